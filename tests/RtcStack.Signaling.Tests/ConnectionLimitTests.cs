using System.Net;
using System.Net.WebSockets;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task A_request_before_hello_closes_with_4003()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient c = await h.ConnectAsync();
        await c.SendAsync(new ClientMessage { Type = "join", Id = "j", Room = "r" });
        ServerMessage e = await c.ReceiveAsync();
        Assert.Equal((ErrorCodes.NotAuthenticated, "j"), (e.Code, e.Re));
        Assert.Equal((WebSocketCloseStatus)4003, await c.WaitClosedAsync());
    }

    [Fact]
    public async Task Hello_twice_is_a_protocol_violation()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient c = await h.PeerAsync("a");
        await c.SendAsync(new ClientMessage { Type = "hello", V = 1, Token = h.Token("a") });
        Assert.Equal(ErrorCodes.ProtocolViolation, (await c.ReceiveAsync(m => m.Type == "error")).Code);
        Assert.Equal((WebSocketCloseStatus)4003, await c.WaitClosedAsync());
    }

    [Fact]
    public async Task No_hello_in_time_closes_with_4003()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient c = await h.ConnectAsync();
        await Task.Delay(100);
        h.Time.Advance(TimeSpan.FromMilliseconds(h.Options.HelloTimeoutMs + 1));
        await h.Hub.SweepAsync();
        Assert.Equal(ErrorCodes.ProtocolViolation, (await c.ReceiveAsync()).Code);
        Assert.Equal((WebSocketCloseStatus)4003, await c.WaitClosedAsync());
    }

    [Fact]
    public async Task A_silent_client_is_closed_with_4004_and_can_resume()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient c = await h.PeerAsync("a");
        h.Time.Advance(TimeSpan.FromMilliseconds(h.Options.HeartbeatTimeoutMs + 1));
        await h.Hub.SweepAsync();
        Assert.Equal((WebSocketCloseStatus)4004, await c.WaitClosedAsync());
        TestClient again = await h.ConnectAsync();
        Assert.True((await again.HelloAsync(h.Token("a"), c.Welcome!.ResumeToken, c.LastSeq)).Resumed);
    }

    [Theory]
    [InlineData("expired", ErrorCodes.TokenExpired, 4002)]
    [InlineData("tampered", ErrorCodes.InvalidToken, 4001)]
    public async Task Bad_tokens_close_the_socket(string kind, string code, int closeCode)
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        string token = h.Token("a", ttl: TimeSpan.FromMinutes(1));
        if (kind == "expired")
        {
            h.Time.Advance(TimeSpan.FromMinutes(2));
        }
        else
        {
            token = token[..^3] + (token[^3] == 'A' ? "BBB" : "AAA");
        }
        TestClient c = await h.ConnectAsync();
        await c.SendAsync(new ClientMessage { Type = "hello", Id = "h", V = 1, Token = token });
        ServerMessage e = await c.ReceiveAsync();
        Assert.Equal((code, "h"), (e.Code, e.Re));
        Assert.Equal((WebSocketCloseStatus)closeCode, await c.WaitClosedAsync());
    }

    [Fact]
    public async Task Refresh_extends_the_session_and_an_expired_token_ends_it()
    {
        await using var h = new HubHarness(o => o.HeartbeatTimeoutMs = 3_600_000);
        await h.StartAsync();
        TestClient c = await h.ConnectAsync();
        await c.HelloAsync(h.Token("a", ttl: TimeSpan.FromMinutes(1)));
        ServerMessage ack = await c.RequestAsync(new ClientMessage { Type = "refresh", Token = h.Token("a", ttl: TimeSpan.FromMinutes(10)) });
        Assert.True(ack.ExpiresAt > h.Time.GetUtcNow().AddMinutes(9).ToUnixTimeMilliseconds());
        Assert.Equal(ErrorCodes.Forbidden, (await c.RequestAsync(new ClientMessage { Type = "refresh", Token = h.Token("b") })).Code);
        h.Time.Advance(TimeSpan.FromMinutes(5));
        await h.Hub.SweepAsync();
        Assert.Equal("pong", (await c.RequestAsync(new ClientMessage { Type = "ping" })).Type);
        h.Time.Advance(TimeSpan.FromMinutes(6));
        await h.Hub.SweepAsync();
        Assert.Equal(ErrorCodes.TokenExpired, (await c.ReceiveAsync(m => m.Type == "error")).Code);
        Assert.Equal((WebSocketCloseStatus)4002, await c.WaitClosedAsync());
    }

    [Fact]
    public async Task Floods_are_rate_limited_then_closed_with_4029()
    {
        await using var h = new HubHarness(o => { o.MessagesPerSecond = 0.001; o.Burst = 5; o.RateLimitCloseAfter = 20; });
        await h.StartAsync();
        TestClient c = await h.PeerAsync("a"); // hello took one token
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("pong", (await c.RequestAsync(new ClientMessage { Type = "ping" })).Type);
        }
        ServerMessage limited = await c.RequestAsync(new ClientMessage { Type = "ping" });
        Assert.Equal(ErrorCodes.RateLimited, limited.Code);
        for (int i = 0; i < 30 && c.CloseStatus is null; i++)
        {
            try
            {
                await c.SendAsync(new ClientMessage { Type = "ping" });
            }
            catch (WebSocketException)
            {
                break;
            }
        }
        Assert.Equal((WebSocketCloseStatus)4029, await c.WaitClosedAsync());
    }

    [Fact]
    public async Task Oversized_and_binary_frames_are_fatal()
    {
        await using var h = new HubHarness(o => o.MaxFrameBytes = 2048);
        await h.StartAsync();
        TestClient big = await h.PeerAsync("a");
        await big.SendRawAsync("{\"type\":\"ping\",\"pad\":\"" + new string('x', 3000) + "\"}");
        Assert.Equal(ErrorCodes.FrameTooLarge, (await big.ReceiveAsync(m => m.Type == "error")).Code);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await big.WaitClosedAsync());

        TestClient binary = await h.PeerAsync("b");
        await binary.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(ErrorCodes.BinaryNotSupported, (await binary.ReceiveAsync(m => m.Type == "error")).Code);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await binary.WaitClosedAsync());
    }

    [Fact]
    public async Task Too_many_connections_from_one_address_get_4008()
    {
        await using var h = new HubHarness(o => o.MaxConnectionsPerIp = 2);
        await h.StartAsync();
        IPAddress ip = IPAddress.Parse("10.1.2.3");
        TestClient a = await h.ConnectAsync(ip);
        await a.HelloAsync(h.Token("a"));
        TestClient b = await h.ConnectAsync(ip);
        await b.HelloAsync(h.Token("b"));
        TestClient c = await h.ConnectAsync(ip);
        Assert.Equal(ErrorCodes.TooManyConnections, (await c.ReceiveAsync()).Code);
        Assert.Equal((WebSocketCloseStatus)4008, await c.WaitClosedAsync());
        TestClient other = await h.ConnectAsync(IPAddress.Parse("10.9.9.9"));
        await other.HelloAsync(h.Token("o"));
        Assert.Equal("pong", (await a.RequestAsync(new ClientMessage { Type = "ping" })).Type);
    }

    [Fact]
    public async Task A_reader_that_stays_behind_is_closed_with_4005_and_others_are_unaffected()
    {
        await using var h = new HubHarness(o => { o.SendQueueMessages = 8; o.MessagesPerSecond = 100_000; o.Burst = 100_000; });
        await h.StartAsync();
        TestClient sender = await h.PeerAsync("sender");
        TestClient fine = await h.PeerAsync("fine");
        await h.JoinAsync(sender, "r");
        await h.JoinAsync(fine, "r");
        // The slow peer never reads: a raw socket that said hello and joined but has no reader.
        TestClient slowClient = await h.ConnectAsync();
        await slowClient.HelloAsync(h.Token("slow"));
        await h.JoinAsync(slowClient, "r");
        slowClient.PauseReading();
        string pad = new('x', 60_000);
        var data = System.Text.Json.JsonDocument.Parse("\"" + pad + "\"").RootElement.Clone();
        for (int i = 0; i < 400 && h.Hub.Sessions["slow"].Connection is { IsClosing: false }; i++)
        {
            await sender.SendAsync(new ClientMessage { Type = "message", Room = "r", To = "slow", Data = data });
        }
        Assert.True(h.Hub.Sessions["slow"].Connection is null or { SlowConsumer: true });
        slowClient.ResumeReading();
        Assert.Equal((WebSocketCloseStatus)4005, await slowClient.WaitClosedAsync());
        Assert.Equal("ack", (await sender.RequestAsync(new ClientMessage { Type = "message", Room = "r", To = "fine", Data = data })).Type);
        Assert.Equal("sender", (await fine.ReceiveAsync(m => m.Type == "message")).From);
    }
}
