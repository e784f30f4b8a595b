using Microsoft.AspNetCore.Builder;
using RtcStack.Server;

namespace RtcStack.E2E.Tests;

/// <summary>
/// The real RtcStack server, started in process in dev mode on a free 127.0.0.1 port (it serves the
/// browser client at <c>/</c>, <c>/ws</c> and <c>/api/dev-token</c>). Set <c>RTCSTACK_E2E_URL</c> to
/// test a server that is already running instead (it must be in dev mode).
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly int ringTimeoutMs;
    private readonly string[] extraArgs;
    private WebApplication? app;

    /// <param name="ringTimeoutMs">Signaling:RingTimeoutMs; the timeout test uses a short one on its own server.</param>
    /// <param name="extraArgs">More command-line settings, e.g. <c>--Signaling:TurnUrls:0=…</c>.</param>
    public TestServer(int ringTimeoutMs = 30_000, params string[] extraArgs)
    {
        this.ringTimeoutMs = ringTimeoutMs;
        this.extraArgs = extraArgs;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>The in-process server's services (null for a server given by <c>RTCSTACK_E2E_URL</c>).</summary>
    public IServiceProvider? Services => app?.Services;

    public async Task StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("RTCSTACK_E2E_URL");
        if (!string.IsNullOrEmpty(external))
        {
            BaseUrl = external.TrimEnd('/');
            return;
        }

        app = RtcStackApp.Build(
        [
            "--dev",
            "--urls", "http://127.0.0.1:0",
            $"--Signaling:RingTimeoutMs={ringTimeoutMs}",
            "--Serilog:MinimumLevel:Default=Warning",
            // Several servers may run at once (the shared one plus one a test starts for itself), so the
            // embedded TURN server must not bind its fixed default port; the relay test brings its own.
            "--Turn:Enabled=false",
            .. extraArgs,
        ]);
        await app.StartAsync();
        BaseUrl = RtcStackApp.BaseAddress(app).ToString().TrimEnd('/');
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
