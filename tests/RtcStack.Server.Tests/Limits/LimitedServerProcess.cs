using System.Diagnostics;
using System.Globalization;
using RtcStack.Server.Tests.Infrastructure;

namespace RtcStack.Server.Tests.Limits;

/// <summary>
/// The real server (<c>rtcstack.dll</c>) in its own process under <c>ulimit -n</c> (through <c>bash -c '… exec'</c>,
/// so the PID is the server's), on a free loopback port, signed with <see cref="TestNode.Secret"/>.
/// </summary>
internal sealed class LimitedServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private LimitedServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    public static async Task<LimitedServerProcess> StartAsync(int openFileLimit, params string[] args)
    {
        int port = FreePort.Next();
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("ulimit -n " + openFileLimit.ToString(CultureInfo.InvariantCulture) + " && exec \"$0\" \"$@\"");
        foreach (string arg in (string[])
        [
            dotnet,
            Path.Combine(AppContext.BaseDirectory, "rtcstack.dll"),
            "--urls", "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--Signaling:TokenSecret=" + TestNode.Secret,
            "--Serilog:MinimumLevel:Default=Warning",
            .. args,
        ])
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("the server process did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new LimitedServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await server.WaitForStatusAsync("/readyz", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Polls <paramref name="path"/> until it answers 2xx; throws when the process exits or the time is up.</summary>
    public async Task WaitForStatusAsync(string path, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server process exited with {_process.ExitCode}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or still busy with the backlog.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{path} did not answer 2xx within {timeout}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _process.Dispose();
        }
    }
}
