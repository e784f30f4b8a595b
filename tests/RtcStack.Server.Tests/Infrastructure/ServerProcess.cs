using System.Diagnostics;
using System.Globalization;

namespace RtcStack.Server.Tests.Infrastructure;

/// <summary>
/// The real server (<c>rtcstack.dll</c>, built next to the tests) in its own process on a free loopback port, so a
/// test can kill it abruptly by PID (no graceful shutdown, no cleanup, its Redis connection dropped by the kernel),
/// optionally under <c>ulimit -n</c> (through <c>bash -c '… exec'</c>, so the PID is still the server's). Signed
/// with <see cref="TestNode.Secret"/>.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a node; <paramref name="settings"/> are <c>Signaling:</c> keys (<c>Name=value</c>).</summary>
    public static Task<ServerProcess> StartAsync(params string[] settings) =>
        LaunchAsync(null, settings.Select(s => "--Signaling:" + s));

    /// <summary>Starts a node with at most <paramref name="openFileLimit"/> open files; <paramref name="args"/> as given.</summary>
    public static Task<ServerProcess> StartWithFileLimitAsync(int openFileLimit, params string[] args) =>
        LaunchAsync(openFileLimit, args);

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
                // Not listening yet, or still busy with a backlog.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{path} did not answer 2xx within {timeout}");
    }

    /// <summary>Kills the process at once (as a crash would) and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static async Task<ServerProcess> LaunchAsync(int? openFileLimit, IEnumerable<string> args)
    {
        int port = FreePort.Next();
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(openFileLimit is null ? dotnet : "bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (openFileLimit is int limit)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("ulimit -n " + limit.ToString(CultureInfo.InvariantCulture) + " && exec \"$0\" \"$@\"");
            info.ArgumentList.Add(dotnet);
        }
        foreach (string arg in (string[])
        [
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
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
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
}
