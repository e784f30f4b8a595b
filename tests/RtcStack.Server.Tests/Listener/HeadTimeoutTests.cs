using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RtcStack.Server.Tests.Infrastructure;

namespace RtcStack.Server.Tests.Listener;

/// <summary>A <c>/ws</c> head that never completes is answered 408 and closed (Kestrel's RequestHeadersTimeout, shortened here).</summary>
public class HeadTimeoutTests : IAsyncLifetime
{
    private WebApplication _app = null!;

    /// <summary>Extra settings for the server (the epoll engine's run of these tests sets the engine).</summary>
    protected virtual string[] Settings => [Engine.EngineSettings.Kestrel];

    public async Task InitializeAsync()
    {
        _app = RtcStackApp.Build(["--urls", "http://127.0.0.1:0", "--Signaling:TokenSecret=" + TestNode.Secret, "--Serilog:MinimumLevel:Default=Warning", .. Settings]);
        _app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        Engine.EngineSettings.AssertServed(_app.Services, Settings);
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_slow_head_gets_408_and_the_connection_is_closed()
    {
        await using var raw = await RawHttp.ConnectAsync(RtcStackApp.BaseAddress(_app));
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
        Assert.StartsWith("HTTP/1.1 408 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        Assert.True(await raw.ClosedByServerAsync());
    }
}
