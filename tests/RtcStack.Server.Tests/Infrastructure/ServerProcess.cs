using System.Diagnostics;
using System.Globalization;

namespace RtcStack.Server.Tests.Infrastructure;

/// <summary>
/// The real server (<c>rtcstack.dll</c>, built next to the tests) in its own process on a free loopback port, so a
/// test can kill it abruptly by PID (no graceful shutdown, no cleanup, its Redis connection dropped by the kernel).
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

    /// <summary>Starts a node with <see cref="TestNode.Secret"/>; <paramref name="settings"/> are <c>Signaling:</c> keys.</summary>
    public static async Task<ServerProcess> StartAsync(params string[] settings)
    {
        int port = FreePort.Next();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rtcstack.dll"));
        foreach (string arg in (string[])
        [
            "--urls", "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--Signaling:TokenSecret=" + TestNode.Secret,
            "--Serilog:MinimumLevel:Default=Warning",
            .. settings.Select(s => "--Signaling:" + s),
        ])
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("the server process did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server process exited with {process.ExitCode}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return node;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        await node.DisposeAsync();
        throw new TimeoutException("the server process did not become ready");
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
}
