using System.Net.WebSockets;
using System.Text.Json;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

public sealed class ResumeTests
{
    private static ClientMessage Msg(string to, int n) =>
        new() { Type = "message", Room = "r", To = to, Data = JsonDocument.Parse(n.ToString(System.Globalization.CultureInfo.InvariantCulture)).RootElement.Clone() };

    [Fact]
    public async Task A_resumed_session_gets_every_missed_message_in_order_exactly_once()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        (TestClient alice, TestClient bob) = await h.AliceAndBobInRoomAsync();
        await bob.RequestAsync(Msg("alice", 0));
        ServerMessage first = await alice.ReceiveAsync(m => m.Type == "message");
        long seen = first.Seq!.Value;
        string resumeToken = alice.Welcome!.ResumeToken!;

        alice.Socket.Abort();
        await h.WaitDetachedAsync("alice");
        for (int i = 1; i <= 5; i++)
        {
            Assert.Equal("ack", (await bob.RequestAsync(Msg("alice", i))).Type);
        }
        Assert.True(await bob.NothingAsync(m => m.Type == "member-left", TimeSpan.FromMilliseconds(200)));

        TestClient again = await h.ConnectAsync();
        ServerMessage welcome = await again.HelloAsync(h.Token("alice"), resumeToken, seen);
        Assert.True(welcome.Resumed);
        Assert.Equal(["r"], welcome.Rooms);
        var numbers = new List<int>();
        long previous = seen;
        for (int i = 1; i <= 5; i++)
        {
            ServerMessage m = await again.ReceiveAsync(x => x.Type == "message");
            Assert.Equal(previous + 1, m.Seq);
            previous = m.Seq!.Value;
            numbers.Add(m.Data!.Value.GetInt32());
        }
        Assert.Equal([1, 2, 3, 4, 5], numbers);
        Assert.True(await again.NothingAsync(m => m.Type == "message", TimeSpan.FromMilliseconds(300)));

        // The resumed session goes on: new messages follow on with the next seq.
        await bob.RequestAsync(Msg("alice", 6));
        ServerMessage next = await again.ReceiveAsync(m => m.Type == "message");
        Assert.Equal((previous + 1, 6), (next.Seq!.Value, next.Data!.Value.GetInt32()));
    }

    [Fact]
    public async Task Resume_fails_when_the_buffer_overflowed_and_a_new_session_starts()
    {
        await using var h = new HubHarness(o => o.ResumeBufferMessages = 3);
        await h.StartAsync();
        (TestClient alice, TestClient bob) = await h.AliceAndBobInRoomAsync();
        string resumeToken = alice.Welcome!.ResumeToken!;
        long seen = alice.LastSeq;
        alice.Socket.Abort();
        await h.WaitDetachedAsync("alice");
        for (int i = 1; i <= 5; i++)
        {
            await bob.RequestAsync(Msg("alice", i));
        }
        TestClient again = await h.ConnectAsync();
        await again.SendAsync(new ClientMessage { Type = "hello", Id = "h", V = 1, Token = h.Token("alice"), Resume = resumeToken, LastSeq = seen });
        ServerMessage error = await again.ReceiveAsync(m => m.Type is "error" or "welcome");
        Assert.Equal(("error", ErrorCodes.ResumeFailed, "h"), (error.Type, error.Code, error.Re));
        ServerMessage welcome = await again.ReceiveAsync(m => m.Type == "welcome");
        Assert.False(welcome.Resumed);
        // The old session ended: bob saw alice leave.
        Assert.Equal("alice", (await bob.ReceiveAsync(m => m.Type == "member-left")).Peer);
    }

    [Fact]
    public async Task After_the_resume_window_the_session_is_removed_and_the_room_told()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        (TestClient alice, TestClient bob) = await h.AliceAndBobInRoomAsync();
        alice.Socket.Abort();
        await h.WaitDetachedAsync("alice");
        h.Time.Advance(TimeSpan.FromMilliseconds(h.Options.ResumeWindowMs - 1000));
        await h.Hub.SweepAsync();
        Assert.True(await bob.NothingAsync(m => m.Type == "member-left", TimeSpan.FromMilliseconds(200)));
        h.Time.Advance(TimeSpan.FromMilliseconds(2000));
        await h.Hub.SweepAsync();
        ServerMessage left = await bob.ReceiveAsync(m => m.Type == "member-left");
        Assert.Equal(("alice", "timeout"), (left.Peer, left.Reason));
        Assert.False(await h.Backplane.IsMemberAsync(new RoomId("r"), new PeerId("alice"), CancellationToken.None));
    }

    [Fact]
    public async Task A_second_connection_takes_over_and_the_first_is_closed_with_4006()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient first = await h.PeerAsync("alice");
        TestClient second = await h.ConnectAsync();
        await second.HelloAsync(h.Token("alice"), first.Welcome!.ResumeToken, first.LastSeq);
        Assert.True(second.Welcome!.Resumed);
        Assert.Equal((WebSocketCloseStatus)4006, await first.WaitClosedAsync());
        Assert.Equal("pong", (await second.RequestAsync(new ClientMessage { Type = "ping" })).Type);
    }

    [Fact]
    public async Task A_session_resumes_on_another_node_sharing_the_backplane()
    {
        await using TwoNodeHarness nodes = await TwoNodeHarness.StartAsync();
        (HubHarness nodeA, HubHarness nodeB) = (nodes.NodeA, nodes.NodeB);
        (TestClient alice, TestClient bob) = await nodes.AliceOnAAndBobOnBInRoomAsync();
        Assert.Equal("bob", (await alice.ReceiveAsync(m => m.Type == "member-joined")).Peer);
        await bob.RequestAsync(Msg("alice", 1));
        Assert.Equal(1, (await alice.ReceiveAsync(m => m.Type == "message")).Data!.Value.GetInt32());
        long seen = alice.LastSeq;

        alice.Socket.Abort();
        await nodeA.WaitDetachedAsync("alice");
        await bob.RequestAsync(Msg("alice", 2));
        TestClient moved = await nodeB.ConnectAsync();
        ServerMessage welcome = await moved.HelloAsync(nodeB.Token("alice"), alice.Welcome!.ResumeToken, seen);
        Assert.True(welcome.Resumed);
        ServerMessage missed = await moved.ReceiveAsync(m => m.Type == "message");
        Assert.Equal((seen + 1, 2), (missed.Seq!.Value, missed.Data!.Value.GetInt32()));
        await bob.RequestAsync(Msg("alice", 3));
        Assert.Equal(3, (await moved.ReceiveAsync(m => m.Type == "message")).Data!.Value.GetInt32());
        Assert.False(nodeA.Hub.Sessions.ContainsKey("alice"));
    }

    [Fact]
    public async Task Ping_with_lastSeq_frees_the_resume_buffer_and_resume_still_works()
    {
        await using var h = new HubHarness(o => o.ResumeBufferMessages = 4);
        await h.StartAsync();
        (TestClient alice, TestClient bob) = await h.AliceAndBobInRoomAsync();
        for (int i = 1; i <= 3; i++)
        {
            await bob.RequestAsync(Msg("alice", i));
            await alice.ReceiveAsync(m => m.Type == "message" && m.Data!.Value.GetInt32() == i);
        }
        Assert.Equal("pong", (await alice.RequestAsync(new ClientMessage { Type = "ping", LastSeq = alice.LastSeq })).Type);
        string resumeToken = alice.Welcome!.ResumeToken!;
        long seen = alice.LastSeq;
        alice.Socket.Abort();
        await h.WaitDetachedAsync("alice");
        for (int i = 4; i <= 7; i++)
        {
            await bob.RequestAsync(Msg("alice", i)); // exactly fills the buffer of 4 because 1-3 were acknowledged
        }
        TestClient again = await h.ConnectAsync();
        Assert.True((await again.HelloAsync(h.Token("alice"), resumeToken, seen)).Resumed);
        for (int i = 4; i <= 7; i++)
        {
            Assert.Equal(i, (await again.ReceiveAsync(m => m.Type == "message")).Data!.Value.GetInt32());
        }
    }
}
