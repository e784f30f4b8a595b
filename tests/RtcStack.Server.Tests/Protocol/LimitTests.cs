using System.Net;
using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Protocol;

/// <summary>Rate limit, per-IP cap, slow reader, heartbeat timeout: each over a real socket, none affecting other sessions.</summary>
public sealed class LimitTests
{
    [Fact]
    public async Task A_flood_gets_rate_limited_errors_and_the_socket_stays_open()
    {
        await using var node = await TestNode.StartAsync("MessagesPerSecond=1", "Burst=5", "RateLimitCloseAfter=1000");
        await using var raw = await RawSocket.ConnectAsync(node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(node.Mint("flood")))!.Type);
        for (int i = 0; i < 30; i++)
        {
            await raw.SendTextAsync($$"""{"type":"ping","id":"p{{i}}"}""");
        }

        int pongs = 0, limited = 0;
        while (pongs + limited < 30)
        {
            var m = await raw.ReceiveAsync();
            Assert.NotNull(m);
            if (m.Type == MessageTypes.Pong)
            {
                pongs++;
            }
            else if (m is { Type: MessageTypes.Error, Code: ErrorCodes.RateLimited })
            {
                limited++;
            }
        }

        Assert.InRange(pongs, 3, 20);
        Assert.True(limited >= 10, $"{limited} rate-limited");
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, raw.State);
    }

    [Fact]
    public async Task Repeated_abuse_closes_with_4029_and_other_sessions_are_unaffected()
    {
        await using var node = await TestNode.StartAsync("MessagesPerSecond=1", "Burst=2", "RateLimitCloseAfter=10");
        var (bystander, _) = await node.ConnectAsync("bystander");
        await using var raw = await RawSocket.ConnectAsync(node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(node.Mint("abuser")))!.Type);
        try
        {
            for (int i = 0; i < 100; i++)
            {
                await raw.SendTextAsync("""{"type":"ping"}""");
            }
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            // The server may close before the flood is sent.
        }

        Assert.Equal(CloseCodes.RateLimitAbuse, await raw.WaitForCloseAsync());
        await bystander.PingAsync();
    }

    [Fact]
    public async Task Too_many_sockets_from_one_ip_get_4008_and_another_ip_is_served()
    {
        await using var node = await TestNode.StartAsync("MaxConnectionsPerIp=2");
        await using var one = await RawSocket.ConnectAsync(node.WebSocketUri);
        await using var two = await RawSocket.ConnectAsync(node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await one.HelloAsync(node.Mint("one")))!.Type);
        Assert.Equal(MessageTypes.Welcome, (await two.HelloAsync(node.Mint("two")))!.Type);

        int? close;
        await using (var three = await RawSocket.ConnectAsync(node.WebSocketUri))
        {
            var error = await three.ReceiveAsync();
            Assert.Equal(ErrorCodes.TooManyConnections, error?.Code);
            close = await three.WaitForCloseAsync();
        }

        Assert.Equal(CloseCodes.TooManyConnections, close);
        var other = node.Client("elsewhere", o => o.LocalAddress = IPAddress.Parse("127.0.0.2"));
        await other.ConnectAsync();
        await other.PingAsync();
    }

    [Fact]
    public async Task A_reader_that_stays_behind_is_closed_with_4005_and_the_sender_is_unaffected()
    {
        await using var node = await TestNode.StartAsync("SendQueueMessages=8", "MessagesPerSecond=100000", "Burst=100000", "ResumeWindowMs=1000");
        var (sender, senderEvents) = await node.ConnectAsync("sender");
        await sender.JoinAsync("slow");
        // A small receive buffer (not the kernel default) keeps the volume needed to fill the path small.
        await using var reader = await RawSocket.ConnectAsync(node.WebSocketUri, receiveBufferSize: 4096);
        Assert.Equal(MessageTypes.Welcome, (await reader.HelloAsync(node.Mint("reader")))!.Type);
        await reader.SendTextAsync("""{"type":"join","id":"j","room":"slow"}""");
        Assert.Equal(MessageTypes.Joined, (await reader.ReceiveTypeAsync(MessageTypes.Joined))!.Type);

        // The reader stops reading; ~60 KB messages fill the kernel buffers (the reader's is small), then the bounded send queue.
        var payload = Json.Parse("\"" + new string('x', 60 * 1024) + "\"");
        // Once dropped, the reader's session waits out its (short) resume window, then the room is told.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && senderEvents.OfType(MessageTypes.MemberLeft).Length == 0)
        {
            try
            {
                await sender.SendMessageAsync("slow", payload, to: "reader");
            }
            catch (SignalingException ex) when (ex.Code == ErrorCodes.UnknownTarget)
            {
                break;
            }
        }

        var left = await senderEvents.WaitAsync(MessageTypes.MemberLeft);
        Assert.Equal("reader", left.Peer);
        Assert.True(await node.MetricAsync("signaling_errors", "slow-consumer") >= 1, "slow-consumer counted in /metrics");

        // The close frame (4005) cannot pass a pipe the reader never drains, so the server may abort instead.
        int? close = await reader.WaitForCloseAsync();
        Assert.True(close is null or CloseCodes.SlowConsumer, $"close {close}");
        await sender.PingAsync();
    }

    [Fact]
    public async Task A_silent_socket_is_closed_with_4004_after_the_heartbeat_timeout()
    {
        await using var node = await TestNode.StartAsync("HeartbeatIntervalMs=500", "HeartbeatTimeoutMs=1500");
        await using var raw = await RawSocket.ConnectAsync(node.WebSocketUri);
        var welcome = await raw.HelloAsync(node.Mint("quiet"));
        Assert.Equal(1500, welcome!.Heartbeat!.TimeoutMs);
        Assert.Equal(CloseCodes.HeartbeatTimeout, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task The_client_heartbeat_keeps_a_session_alive_past_the_timeout()
    {
        await using var node = await TestNode.StartAsync("HeartbeatIntervalMs=200", "HeartbeatTimeoutMs=4000");
        var (alive, events) = await node.ConnectAsync("alive");
        await Task.Delay(6000);
        Assert.Equal(ConnectionState.Connected, alive.State);
        Assert.Single(events.Welcomes);
    }
}
