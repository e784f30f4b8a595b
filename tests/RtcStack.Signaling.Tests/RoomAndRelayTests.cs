using System.Text.Json;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

public sealed class RoomAndRelayTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task Welcome_announces_heartbeat_limits_and_resume_token()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient alice = await h.ConnectAsync();
        ServerMessage welcome = await alice.HelloAsync(h.Token("alice"));
        Assert.Equal(1, welcome.V);
        Assert.Equal("alice", welcome.Peer);
        Assert.False(welcome.Resumed);
        Assert.False(string.IsNullOrEmpty(welcome.ResumeToken));
        Assert.Equal(h.Options.HeartbeatIntervalMs, welcome.Heartbeat!.IntervalMs);
        Assert.Equal(h.Options.MaxFrameBytes, welcome.Limits!.MaxFrameBytes);
        Assert.Equal(h.Options.RoomCapacity, welcome.Limits.RoomCapacity);
        Assert.Null(welcome.Seq);
    }

    [Fact]
    public async Task Join_lists_members_and_presence_events_reach_the_room()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        await h.JoinAsync(alice, "demo", """{"name":"Alice"}""");

        ServerMessage joined = await bob.RequestAsync(new ClientMessage { Type = "join", Room = "demo", Meta = Json("""{"name":"Bob"}""") });
        Assert.Equal("joined", joined.Type);
        Assert.Equal("bob", joined.Self!.Peer);
        MemberInfo other = Assert.Single(joined.Members!);
        Assert.Equal("alice", other.Peer);
        Assert.Equal("Alice", other.Meta!.Value.GetProperty("name").GetString());

        ServerMessage memberJoined = await alice.ReceiveAsync(m => m.Type == "member-joined");
        Assert.Equal("bob", memberJoined.Peer);
        Assert.Equal(1, memberJoined.Seq);

        Assert.Equal("ack", (await bob.RequestAsync(new ClientMessage { Type = "update", Room = "demo", Meta = Json("""{"name":"Bobby"}""") })).Type);
        ServerMessage updated = await alice.ReceiveAsync(m => m.Type == "member-updated");
        Assert.Equal("Bobby", updated.Meta!.Value.GetProperty("name").GetString());

        Assert.Equal("ack", (await bob.RequestAsync(new ClientMessage { Type = "leave", Room = "demo" })).Type);
        ServerMessage left = await alice.ReceiveAsync(m => m.Type == "member-left");
        Assert.Equal(("bob", "left"), (left.Peer, left.Reason));
        Assert.Equal(3, left.Seq);
    }

    [Fact]
    public async Task Room_capacity_is_enforced_and_empty_rooms_disappear()
    {
        await using var h = new HubHarness(o => o.RoomCapacity = 2);
        await h.StartAsync();
        TestClient a = await h.PeerAsync("a");
        TestClient b = await h.PeerAsync("b");
        TestClient c = await h.PeerAsync("c");
        await h.JoinAsync(a, "small");
        await h.JoinAsync(b, "small");
        ServerMessage full = await c.RequestAsync(new ClientMessage { Type = "join", Room = "small" });
        Assert.Equal(ErrorCodes.RoomFull, full.Code);

        await a.RequestAsync(new ClientMessage { Type = "leave", Room = "small" });
        await b.RequestAsync(new ClientMessage { Type = "leave", Room = "small" });
        Assert.Empty(await h.Backplane.GetMembersAsync(new RoomId("small"), CancellationToken.None));
        await h.JoinAsync(c, "small");
    }

    [Fact]
    public async Task Token_rooms_and_room_count_are_enforced()
    {
        await using var h = new HubHarness(o => o.MaxRoomsPerSession = 1);
        await h.StartAsync();
        TestClient a = await h.PeerAsync("a", room: "allowed");
        Assert.Equal(ErrorCodes.Forbidden, (await a.RequestAsync(new ClientMessage { Type = "join", Room = "other" })).Code);
        await h.JoinAsync(a, "allowed");
        TestClient b = await h.PeerAsync("b");
        await h.JoinAsync(b, "one");
        Assert.Equal(ErrorCodes.TooManyRooms, (await b.RequestAsync(new ClientMessage { Type = "join", Room = "two" })).Code);
    }

    [Fact]
    public async Task Signals_are_relayed_with_verified_sender_and_never_cross_rooms()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        TestClient eve = await h.PeerAsync("eve");
        await h.JoinAsync(alice, "r1");
        await h.JoinAsync(bob, "r1");
        await h.JoinAsync(eve, "r2");

        Assert.Equal("ack", (await alice.RequestAsync(new ClientMessage { Type = "offer", Room = "r1", To = "bob", Sdp = "v=0 offer", IceRestart = true })).Type);
        ServerMessage offer = await bob.ReceiveAsync(m => m.Type == "offer");
        Assert.Equal(("alice", "r1", "v=0 offer", true), (offer.From, offer.Room, offer.Sdp, offer.IceRestart));

        await bob.RequestAsync(new ClientMessage { Type = "candidate", Room = "r1", To = "alice", Candidate = Json("""{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0"}""") });
        ServerMessage candidate = await alice.ReceiveAsync(m => m.Type == "candidate");
        Assert.Equal("0", candidate.Candidate!.Value.GetProperty("sdpMid").GetString());
        await bob.RequestAsync(new ClientMessage { Type = "candidate", Room = "r1", To = "alice", Candidate = Json("null") });
        ServerMessage end = await alice.ReceiveAsync(m => m.Type == "candidate");
        Assert.True(end.Candidate is null || end.Candidate.Value.ValueKind == JsonValueKind.Null);

        // Eve is in another room: she can neither reach bob through r1 nor through her own room.
        Assert.Equal(ErrorCodes.NotInRoom, (await eve.RequestAsync(new ClientMessage { Type = "offer", Room = "r1", To = "bob", Sdp = "x" })).Code);
        Assert.Equal(ErrorCodes.UnknownTarget, (await eve.RequestAsync(new ClientMessage { Type = "offer", Room = "r2", To = "bob", Sdp = "x" })).Code);

        // Broadcast message reaches the room except the sender, never the other room.
        await alice.RequestAsync(new ClientMessage { Type = "message", Room = "r1", Data = Json("""{"text":"hi"}""") });
        ServerMessage msg = await bob.ReceiveAsync(m => m.Type == "message");
        Assert.Equal(("alice", "hi"), (msg.From, msg.Data!.Value.GetProperty("text").GetString()));
        Assert.True(await eve.NothingAsync(m => m.Type == "message", TimeSpan.FromMilliseconds(300)));
        Assert.True(await alice.NothingAsync(m => m.Type == "message", TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task Signals_need_publish_or_subscribe_but_messages_do_not()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        TestClient viewer = await h.ConnectAsync();
        await viewer.HelloAsync(h.Token("viewer", perms: Tokens.Permissions.None));
        TestClient bob = await h.PeerAsync("bob");
        await h.JoinAsync(viewer, "r");
        await h.JoinAsync(bob, "r");
        Assert.Equal(ErrorCodes.Forbidden, (await viewer.RequestAsync(new ClientMessage { Type = "offer", Room = "r", To = "bob", Sdp = "x" })).Code);
        Assert.Equal("ack", (await viewer.RequestAsync(new ClientMessage { Type = "message", Room = "r", To = "bob", Data = Json("1") })).Type);
    }

    [Fact]
    public async Task Ping_gets_pong_and_bye_removes_the_session_at_once()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        (TestClient alice, TestClient bob) = await h.AliceAndBobInRoomAsync();
        Assert.Equal("pong", (await bob.RequestAsync(new ClientMessage { Type = "ping" })).Type);
        await bob.SendAsync(new ClientMessage { Type = "bye" });
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, await bob.WaitClosedAsync());
        ServerMessage left = await alice.ReceiveAsync(m => m.Type == "member-left");
        Assert.Equal(("bob", "left"), (left.Peer, left.Reason));
    }
}
