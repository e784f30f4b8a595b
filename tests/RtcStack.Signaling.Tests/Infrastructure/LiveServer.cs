using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Signaling.Tests.Infrastructure;

/// <summary>A real RtcStack server on a free loopback port, built with <see cref="RtcStackApp.Build"/>.</summary>
internal sealed class LiveServer : IAsyncDisposable
{
    private LiveServer(WebApplication app)
    {
        App = app;
        BaseAddress = RtcStackApp.BaseAddress(app);
        WebSocketUri = new Uri($"ws://{BaseAddress.Authority}/ws");
        Tokens = app.Services.GetRequiredService<TokenService>();
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public Uri WebSocketUri { get; }
    public TokenService Tokens { get; }

    public static async Task<LiveServer> StartAsync(params string[] extra)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--Signaling:TokenSecret=" + HubHarness.Secret,
            "--Serilog:MinimumLevel:Default=Warning",
            .. extra,
        ];
        WebApplication app = RtcStackApp.Build(args);
        await app.StartAsync();
        return new LiveServer(app);
    }

    public string Token(string sub, string room = "*") =>
        Tokens.Mint(sub, [room], Permissions.Publish | Permissions.Subscribe, TimeSpan.FromHours(1)).Token;

    public async Task<TestClient> PeerAsync(string sub)
    {
        TestClient client = await TestClient.ConnectAsync(WebSocketUri);
        await client.HelloAsync(Token(sub));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(cts.Token);
        await App.DisposeAsync();
    }
}
