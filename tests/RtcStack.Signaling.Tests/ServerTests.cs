using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

public sealed class ServerTests
{
    [Fact]
    public async Task Health_readiness_metrics_and_the_web_page_are_served()
    {
        await using LiveServer server = await LiveServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
        await using (TestClient c = await server.PeerAsync("alice"))
        {
            await c.SendRawAsync("{\"type\":\"nope\"}");
            Assert.Equal(ErrorCodes.UnknownType, (await c.ReceiveAsync(m => m.Type == "error")).Code);
            string metrics = string.Empty;
            for (int i = 0; i < 30 && !(metrics.Contains("unknown-type", StringComparison.Ordinal) && metrics.Contains("rtcstack_signaling_sessions", StringComparison.Ordinal)); i++)
            {
                await Task.Delay(100);
                metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            }
            Assert.Contains("rtcstack_signaling_sessions", metrics, StringComparison.Ordinal);
            Assert.True(metrics.Contains("rtcstack_signaling_errors", StringComparison.Ordinal), string.Join("\n", metrics.Split('\n').Where(l => l.Contains("rtcstack", StringComparison.Ordinal))));
            Assert.True(metrics.Contains("code=\"unknown-type\"", StringComparison.Ordinal), string.Join("\n", metrics.Split('\n').Where(l => l.Contains("rtcstack", StringComparison.Ordinal))));
        }
        HttpResponseMessage page = await http.GetAsync(new Uri("/", UriKind.Relative));
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "wwwroot", "index.html")))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Token_endpoint_needs_the_api_key_and_dev_token_needs_dev_mode()
    {
        await using LiveServer server = await LiveServer.StartAsync("--Signaling:ApiKey=key-key-key-key-key-1");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var body = new { sub = "carol", rooms = new[] { "demo" }, perms = new[] { "publish" }, ttlSeconds = 60 };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/tokens", body)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "key-key-key-key-key-1");
        HttpResponseMessage ok = await http.PostAsJsonAsync("/api/tokens", body);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        JsonElement json = await ok.Content.ReadFromJsonAsync<JsonElement>();
        string token = json.GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/api/tokens", new { sub = "bad sub" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/api/dev-token?sub=x", UriKind.Relative))).StatusCode);

        await using TestClient c = await TestClient.ConnectAsync(server.WebSocketUri);
        Assert.Equal("carol", (await c.HelloAsync(token)).Peer);
        Assert.Equal(ErrorCodes.Forbidden, (await c.RequestAsync(new ClientMessage { Type = "join", Room = "elsewhere" })).Code);
    }

    [Fact]
    public async Task Dev_mode_mints_tokens()
    {
        await using LiveServer server = await LiveServer.StartAsync("--dev", "--Turn:Enabled=false");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        JsonElement json = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/dev-token?sub=dave&room=demo", UriKind.Relative));
        await using TestClient c = await TestClient.ConnectAsync(server.WebSocketUri);
        Assert.Equal("dave", (await c.HelloAsync(json.GetProperty("token").GetString()!)).Peer);
    }

    [Fact]
    public async Task Foreign_origins_are_refused()
    {
        await using LiveServer server = await LiveServer.StartAsync();
        using var bad = new ClientWebSocket();
        bad.Options.SetRequestHeader("Origin", "https://evil.example");
        await Assert.ThrowsAsync<WebSocketException>(() => bad.ConnectAsync(server.WebSocketUri, CancellationToken.None));
        using var good = new ClientWebSocket();
        good.Options.SetRequestHeader("Origin", "http://localhost:3000");
        good.Options.AddSubProtocol(SignalingProtocol.SubProtocol);
        await good.ConnectAsync(server.WebSocketUri, CancellationToken.None);
        Assert.Equal(SignalingProtocol.SubProtocol, good.SubProtocol);
    }

    [Fact]
    public async Task Shutdown_sends_going_away_and_closes_with_1001()
    {
        LiveServer server = await LiveServer.StartAsync();
        TestClient c = await server.PeerAsync("alice");
        Task stop = server.DisposeAsync().AsTask();
        ServerMessage goingAway = await c.ReceiveAsync(m => m.Type == "going-away");
        Assert.True(goingAway.ReconnectInMs > 0);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await c.WaitClosedAsync());
        await stop.WaitAsync(TimeSpan.FromSeconds(30));
        await c.DisposeAsync();
    }
}
