using System.Net.WebSockets;
using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Protocol;

/// <summary>hello/welcome, refresh, ping/pong, bye, going-away: each driven through a real socket.</summary>
public sealed class SessionMessageTests
{
    [Fact]
    public async Task Hello_gets_a_welcome_with_every_documented_field()
    {
        await using var node = await TestNode.StartAsync("TurnUrls:0=turn:127.0.0.1:3478", "--Turn:StaticAuthSecret=turn-secret-for-tests");
        var (alice, _) = await node.ConnectAsync("alice");
        var welcome = alice.Welcome!;

        Assert.Equal(MessageTypes.Welcome, welcome.Type);
        Assert.Equal(1, welcome.V);
        Assert.Equal("alice", welcome.Peer);
        Assert.False(string.IsNullOrEmpty(welcome.Session));
        Assert.False(string.IsNullOrEmpty(welcome.ResumeToken));
        Assert.Equal(30_000, welcome.ResumeWindowMs);
        Assert.False(welcome.Resumed);
        Assert.True(welcome.Heartbeat!.IntervalMs > 0);
        Assert.True(welcome.Heartbeat.TimeoutMs > welcome.Heartbeat.IntervalMs);
        Assert.Equal(65536, welcome.Limits!.MaxFrameBytes);
        Assert.True(welcome.Limits.RoomCapacity > 0 && welcome.Limits.MaxRoomsPerSession > 0 && welcome.Limits.Burst > 0);
        Assert.True(welcome.ExpiresAt > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var turn = Assert.Single(welcome.IceServers!, s => s.Urls.Any(u => u.StartsWith("turn:", StringComparison.Ordinal)));
        Assert.EndsWith(":alice", turn.Username, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(turn.Credential));
        Assert.Null(welcome.Seq);
    }

    [Fact]
    public async Task Subprotocol_rtcstack_v1_is_accepted()
    {
        await using var node = await TestNode.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(SignalingProtocol.SubProtocol);
        await socket.ConnectAsync(node.WebSocketUri, CancellationToken.None);
        Assert.Equal(SignalingProtocol.SubProtocol, socket.SubProtocol);
        socket.Abort();
    }

    [Fact]
    public async Task Refresh_with_a_new_token_for_the_same_sub_is_acked_with_its_expiry()
    {
        await using var node = await TestNode.StartAsync();
        var (alice, _) = await node.ConnectAsync("alice");
        var fresh = node.Tokens.Mint("alice", ["*"], Signaling.Tokens.Permissions.Publish, TimeSpan.FromHours(5));
        long expiresAt = await alice.RefreshAsync(fresh.Token);
        Assert.Equal(fresh.ExpiresAt / 1000, expiresAt / 1000);
    }

    [Fact]
    public async Task Refresh_with_a_token_for_another_sub_is_refused()
    {
        await using var node = await TestNode.StartAsync();
        var (alice, _) = await node.ConnectAsync("alice");
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => alice.RefreshAsync(node.Mint("mallory")));
        Assert.True(ex is SignalingException, ex.ToString());
    }

    [Fact]
    public async Task Ping_gets_pong()
    {
        await using var node = await TestNode.StartAsync();
        var (alice, _) = await node.ConnectAsync("alice");
        var rtt = await alice.PingAsync();
        Assert.True(rtt > TimeSpan.Zero);
        var pong = await alice.RequestAsync(new ClientMessage { Type = MessageTypes.Ping });
        Assert.Equal(MessageTypes.Pong, pong.Type);
    }

    [Fact]
    public async Task Bye_closes_with_1000_and_removes_the_session_at_once()
    {
        await using var node = await TestNode.StartAsync();
        var (alice, _) = await node.ConnectAsync("alice");
        var (bob, bobEvents) = await node.ConnectAsync("bob");
        await alice.JoinAsync("room");
        await bob.JoinAsync("room");

        await alice.CloseAsync();

        var left = await bobEvents.WaitAsync(MessageTypes.MemberLeft, m => m.Peer == "alice");
        Assert.Equal("room", left.Room);
        Assert.Equal(ConnectionState.Closed, alice.State);
    }

    [Fact]
    public async Task Bye_on_a_raw_socket_gets_close_1000()
    {
        await using var node = await TestNode.StartAsync();
        await using var raw = await RawSocket.ConnectAsync(node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(node.Mint("alice")))!.Type);
        await raw.SendTextAsync("""{"type":"bye"}""");
        Assert.Equal(1000, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task Shutdown_sends_going_away_and_closes_with_1001()
    {
        var node = await TestNode.StartAsync();
        await using (node)
        {
            await using var raw = await RawSocket.ConnectAsync(node.WebSocketUri);
            Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(node.Mint("alice")))!.Type);
            var stopping = node.StopAsync();
            var goingAway = await raw.ReceiveTypeAsync(MessageTypes.GoingAway);
            Assert.NotNull(goingAway);
            Assert.True(goingAway.ReconnectInMs > 0);
            Assert.False(string.IsNullOrEmpty(goingAway.Reason));
            Assert.Equal(1001, await raw.WaitForCloseAsync());
            await stopping;
        }
    }

    [Fact]
    public async Task A_second_connection_with_the_same_sub_replaces_the_first_with_4006()
    {
        await using var node = await TestNode.StartAsync();
        await using var first = await RawSocket.ConnectAsync(node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await first.HelloAsync(node.Mint("alice")))!.Type);
        var (second, _) = await node.ConnectAsync("alice");
        Assert.Equal(4006, await first.WaitForCloseAsync());
        Assert.Equal(ConnectionState.Connected, second.State);
        await second.PingAsync();
    }

    [Fact]
    public async Task Health_and_readiness_answer_200_with_the_in_memory_backplane()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal(200, await node.GetStatusAsync("/healthz"));
        Assert.Equal(200, await node.GetStatusAsync("/readyz"));
    }
}
