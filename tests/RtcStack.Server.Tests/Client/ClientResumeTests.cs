using System.Net.WebSockets;
using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Client;

/// <summary>The client against a scripted server: duplicates are dropped, resume sends the right hello, events arrive once.</summary>
public sealed class ClientResumeTests
{
    [Fact]
    public async Task Duplicates_and_replays_are_delivered_exactly_once_in_order_across_a_reconnect()
    {
        await using var server = new FakeSignalingServer();
        await using var client = new SignalingClient(new SignalingClientOptions
        {
            ServerUri = server.WebSocketUri,
            Token = "t0k3n",
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
        });
        var events = new EventLog(client);
        var connecting = client.ConnectAsync();

        var first = await server.AcceptAsync();
        var hello = await FakeSignalingServer.ReceiveAsync(first);
        Assert.Equal((MessageTypes.Hello, 1, "t0k3n", null, null), (hello.Type, hello.V, hello.Token, hello.Resume, hello.LastSeq));
        await FakeSignalingServer.SendAsync(first, Welcome(resumed: false));
        await connecting;
        foreach (long seq in new long[] { 1, 2, 2, 1, 3 })
        {
            await FakeSignalingServer.SendAsync(first, Message(seq));
        }

        await events.WaitCountAsync(MessageTypes.Message, 3);
        first.Abort();

        var second = await server.AcceptAsync();
        var resume = await FakeSignalingServer.ReceiveAsync(second);
        Assert.Equal(("resume-me", 3L), (resume.Resume, resume.LastSeq));
        await FakeSignalingServer.SendAsync(second, Welcome(resumed: true));
        foreach (long seq in new long[] { 2, 3, 4, 5, 5 })
        {
            await FakeSignalingServer.SendAsync(second, Message(seq));
        }

        await events.WaitCountAsync(MessageTypes.Message, 5);
        var ping = await FakeSignalingServer.ReceiveAsync(second);
        Assert.Equal(MessageTypes.Ping, ping.Type);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], events.OfType(MessageTypes.Message).Select(m => m.Seq!.Value));
        Assert.Equal(5, client.LastSeq);
        Assert.Equal([ConnectionState.Connecting, ConnectionState.Connected, ConnectionState.Reconnecting, ConnectionState.Connected], events.States);
    }

    [Fact]
    public async Task A_request_is_answered_by_re_and_an_error_answer_fails_it_with_its_code()
    {
        await using var server = new FakeSignalingServer();
        await using var client = new SignalingClient(new SignalingClientOptions { ServerUri = server.WebSocketUri, Token = "t" });
        var connecting = client.ConnectAsync();
        var socket = await server.AcceptAsync();
        await FakeSignalingServer.ReceiveAsync(socket);
        await FakeSignalingServer.SendAsync(socket, Welcome(resumed: false));
        await connecting;

        var join = client.JoinAsync("r");
        var leave = client.LeaveAsync("r");
        var joinRequest = await FakeSignalingServer.ReceiveRequestAsync(socket);
        var leaveRequest = await FakeSignalingServer.ReceiveRequestAsync(socket);
        Assert.NotEqual(joinRequest.Id, leaveRequest.Id);
        await FakeSignalingServer.SendAsync(socket, new ServerMessage { Type = MessageTypes.Error, Re = leaveRequest.Id, Code = ErrorCodes.NotInRoom, Message = "no" });
        await FakeSignalingServer.SendAsync(socket, new ServerMessage { Type = MessageTypes.Joined, Re = joinRequest.Id, Room = "r", Members = [] });
        Assert.Equal("r", (await join).Room);
        var ex = await Assert.ThrowsAsync<SignalingException>(() => leave);
        Assert.Equal(ErrorCodes.NotInRoom, ex.Code);
    }

    [Fact]
    public async Task Requests_waiting_when_the_socket_drops_fail_with_connection_lost()
    {
        await using var server = new FakeSignalingServer();
        await using var client = new SignalingClient(new SignalingClientOptions { ServerUri = server.WebSocketUri, Token = "t", AutoReconnect = false });
        var connecting = client.ConnectAsync();
        var socket = await server.AcceptAsync();
        await FakeSignalingServer.ReceiveAsync(socket);
        await FakeSignalingServer.SendAsync(socket, Welcome(resumed: false));
        await connecting;
        var pending = client.PingAsync();
        Assert.NotNull((await FakeSignalingServer.ReceiveRequestAsync(socket)).Id);
        socket.Abort();
        var ex = await Assert.ThrowsAsync<SignalingException>(() => pending);
        Assert.Equal(SignalingException.ConnectionLostCode, ex.Code);
        await Eventually.TrueAsync(() => client.State == ConnectionState.Closed, "client closed");
    }

    private static ServerMessage Welcome(bool resumed) => new()
    {
        Type = MessageTypes.Welcome,
        V = 1,
        Session = "s1",
        Peer = "p",
        ResumeToken = "resume-me",
        ResumeWindowMs = 30_000,
        Resumed = resumed,
        Heartbeat = new HeartbeatInfo { IntervalMs = 200, TimeoutMs = 60_000 },
    };

    private static ServerMessage Message(long seq) => new() { Type = MessageTypes.Message, Seq = seq, Room = "r", From = "x" };
}
