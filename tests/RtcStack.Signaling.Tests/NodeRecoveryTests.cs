using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// What a hub does with the backplane's reports about other nodes (driven directly, manual clock): lost peers end
/// calls made in any room, adopted invitations are delivered and rung out once, a repaired room's members get the
/// presence events they missed. The Redis side of each is covered in RtcStack.Server.Tests (Backplane, ScaleOut).
/// </summary>
public sealed class NodeRecoveryTests : BackplaneReportTests
{
    [Fact]
    public async Task Lost_peers_end_every_call_with_them_once_whatever_the_room()
    {
        TestClient a1 = await H.PeerAsync("a1");
        TestClient a2 = await H.PeerAsync("a2");
        TestClient a3 = await H.PeerAsync("a3");
        TestClient bob = await H.PeerAsync("bob");
        TestClient carol = await H.PeerAsync("carol");
        TestClient dave = await H.PeerAsync("dave");
        // a1 is in an accepted call with bob, carol rings a2, a3 rings dave; nobody shares a room.
        string accepted = (await a1.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "x" })).CallId!;
        await bob.ReceiveAsync(m => m.Type == "invite");
        await bob.RequestAsync(new ClientMessage { Type = "accept", CallId = accepted });
        await a1.ReceiveAsync(m => m.Type == "accepted");
        string incoming = (await carol.RequestAsync(new ClientMessage { Type = "invite", To = "a2", Room = "y" })).CallId!;
        await a2.ReceiveAsync(m => m.Type == "invite");
        string outgoing = (await a3.RequestAsync(new ClientMessage { Type = "invite", To = "dave", Room = "z" })).CallId!;
        await dave.ReceiveAsync(m => m.Type == "invite");

        await Handler.OnPeersLostAsync([new PeerId("bob"), new PeerId("carol"), new PeerId("dave")]);
        await Handler.OnPeersLostAsync([new PeerId("bob"), new PeerId("carol"), new PeerId("dave")]);

        ServerMessage hangup = await a1.ReceiveAsync(m => m.Type == "hangup");
        Assert.Equal((accepted, "bob"), (hangup.CallId, hangup.From));
        ServerMessage cancelled = await a2.ReceiveAsync(m => m.Type == "cancelled");
        Assert.Equal((incoming, "carol"), (cancelled.CallId, cancelled.From));
        ServerMessage declined = await a3.ReceiveAsync(m => m.Type == "declined");
        Assert.Equal((outgoing, "dave", "gone"), (declined.CallId, declined.From, declined.Reason));
        Assert.True(await a1.NothingAsync(m => m.Type == "hangup", TimeSpan.FromMilliseconds(200)));
        Assert.True(await a2.NothingAsync(m => m.Type == "cancelled", TimeSpan.FromMilliseconds(100)));
        Assert.True(await a3.NothingAsync(m => m.Type == "declined", TimeSpan.FromMilliseconds(100)));
        // a1 is no longer busy.
        string again = (await carol.RequestAsync(new ClientMessage { Type = "invite", To = "a1", Room = "x" })).CallId!;
        Assert.Equal(again, (await a1.ReceiveAsync(m => m.Type == "invite")).CallId);
    }

    [Fact]
    public async Task An_adopted_invitation_reaches_its_callee_and_rings_out_once_without_its_caller()
    {
        long expiresAt = H.Hub.NowMs + 30_000;
        await Handler.OnInvitationsAdoptedAsync([Held("c-1", "bob", "gina", expiresAt)]);

        TestClient gina = await H.PeerAsync("gina");
        ServerMessage invite = await gina.ReceiveAsync(m => m.Type == "invite");
        Assert.Equal(("c-1", "bob", expiresAt), (invite.CallId, invite.From, invite.ExpiresAt));
        await H.Hub.SweepAsync();
        Assert.True(await gina.NothingAsync(m => m.Type == "invite", TimeSpan.FromMilliseconds(200)));

        H.Time.Advance(TimeSpan.FromSeconds(31));
        await H.Hub.SweepAsync();
        await H.Hub.SweepAsync();
        Assert.Equal("c-1", (await gina.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        Assert.True(await gina.NothingAsync(m => m.Type == "invite-timeout", TimeSpan.FromMilliseconds(200)));
        // The callee's half is gone with the timeout.
        Assert.Equal(ErrorCodes.UnknownCall, (await gina.RequestAsync(new ClientMessage { Type = "accept", CallId = "c-1" })).Code);
    }

    [Fact]
    public async Task Accepting_an_adopted_invitation_whose_caller_is_gone_hangs_it_up_once()
    {
        await Handler.OnInvitationsAdoptedAsync([Held("c-4", "bob", "gina", H.Hub.NowMs + 30_000)]);
        TestClient gina = await H.PeerAsync("gina");
        await gina.ReceiveAsync(m => m.Type == "invite");

        Assert.Equal("ack", (await gina.RequestAsync(new ClientMessage { Type = "accept", CallId = "c-4" })).Type);
        ServerMessage hangup = await gina.ReceiveAsync(m => m.Type == "hangup");
        Assert.Equal(("c-4", "bob"), (hangup.CallId, hangup.From));
        // gina is not busy, and the ring time passing tells her nothing more about a call she no longer has.
        TestClient carol = await H.PeerAsync("carol");
        string next = (await carol.RequestAsync(new ClientMessage { Type = "invite", To = "gina", Room = "r" })).CallId!;
        Assert.Equal(next, (await gina.ReceiveAsync(m => m.Type == "invite")).CallId);
        H.Time.Advance(TimeSpan.FromSeconds(31));
        await H.Hub.SweepAsync();
        await H.Hub.SweepAsync();
        Assert.Equal(next, (await gina.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        Assert.True(await gina.NothingAsync(m => m.Type is "invite-timeout" or "hangup", TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task An_adopted_invitation_goes_back_to_its_caller_who_gets_the_answer_and_the_timeout()
    {
        TestClient bob = await H.PeerAsync("bob");
        await Handler.OnInvitationsAdoptedAsync([Held("c-2", "bob", "gina", H.Hub.NowMs + 30_000), Held("c-3", "bob", "hank", H.Hub.NowMs + 30_000)]);

        // bob's session owns both calls now: he can cancel one, the other is delivered when gina connects.
        Assert.Equal("ack", (await bob.RequestAsync(new ClientMessage { Type = "cancel", CallId = "c-3" })).Type);
        TestClient gina = await H.PeerAsync("gina");
        Assert.Equal("c-2", (await gina.ReceiveAsync(m => m.Type == "invite")).CallId);
        await gina.RequestAsync(new ClientMessage { Type = "ringing", CallId = "c-2" });
        Assert.Equal("c-2", (await bob.ReceiveAsync(m => m.Type == "ringing")).CallId);

        H.Time.Advance(TimeSpan.FromSeconds(31));
        await H.Hub.SweepAsync();
        await H.Hub.SweepAsync();
        Assert.Equal("c-2", (await bob.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        Assert.Equal("c-2", (await gina.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        Assert.True(await bob.NothingAsync(m => m.Type == "invite-timeout", TimeSpan.FromMilliseconds(200)));
        Assert.True(await gina.NothingAsync(m => m.Type == "invite-timeout", TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task A_repaired_room_tells_each_member_what_it_missed()
    {
        TestClient alice = await H.PeerAsync("alice");
        TestClient dave = await H.PeerAsync("dave");
        await H.JoinAsync(alice, "r");
        await H.JoinAsync(dave, "r");
        await alice.ReceiveAsync(m => m.Type == "member-joined" && m.Peer == "dave");

        await Handler.OnPresenceRepairedAsync(new PresenceRepair(
            new RoomId("r"),
            Others: [new RoomMember("carol", """{"n":"c"}"""), new RoomMember("erin", null)],
            Returned: [],
            Departed: [],
            Joined: [new RoomMember("carol", """{"n":"c"}""")],
            Left: [new PeerId("frank")],
            Updated: [new RoomMember("erin", null)],
            Newcomers: [new PeerId("dave")]));

        // alice kept her place: she hears of the member she missed (a link to rebuild), who left and who changed.
        // (A join's own member-joined may reach a member that joined just after it: only restored ones are looked at.)
        ServerMessage joined = await alice.ReceiveAsync(m => m.Type == "member-joined" && m.Restored == true);
        Assert.Equal(("r", "carol", "c"), (joined.Room, joined.Peer, joined.Meta?.GetProperty("n").GetString()));
        ServerMessage left = await alice.ReceiveAsync(m => m.Type == "member-left");
        Assert.Equal(("frank", "timeout"), (left.Peer, left.Reason));
        Assert.Equal("erin", (await alice.ReceiveAsync(m => m.Type == "member-updated")).Peer);
        // dave joined while cut off: he hears of every member on the other nodes, and nothing else.
        // Every presence frame he gets, in order (a stray member-left or member-updated before the joins fails too).
        var frames = new List<string>();
        while (frames.Count < 2)
        {
            ServerMessage m = await dave.ReceiveAsync(Repair);
            frames.Add($"{m.Type} {m.Peer} {m.Restored}");
        }
        Assert.Equal(["member-joined carol True", "member-joined erin True"], frames);
        Assert.True(await dave.NothingAsync(Repair, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task A_repair_tells_both_ends_of_every_broken_link_that_it_is_restored()
    {
        // carol and erin stand for members on other nodes (the in-memory backplane delivers to them here).
        TestClient alice = await H.PeerAsync("alice");
        TestClient bob = await H.PeerAsync("bob");
        TestClient carol = await H.PeerAsync("carol");
        TestClient erin = await H.PeerAsync("erin");
        await H.JoinAsync(alice, "r", """{"n":"a"}""");
        await H.JoinAsync(bob, "r");
        await alice.ReceiveAsync(m => m.Type == "member-joined" && m.Peer == "bob");

        // alice was written back (the others saw her leave); bob kept his place but missed carol's join.
        await Handler.OnPresenceRepairedAsync(new PresenceRepair(
            new RoomId("r"),
            Others: [new RoomMember("carol", null), new RoomMember("erin", null)],
            Returned: [new RoomMember("alice", """{"n":"a"}""")],
            Departed: [],
            Joined: [new RoomMember("carol", null)],
            Left: [],
            Updated: [],
            Newcomers: []));

        // alice rebuilds her link with every other member; bob only the one with carol.
        Assert.Equal(["carol", "erin"], await JoinsAsync(alice, 2));
        Assert.Equal(["carol"], await JoinsAsync(bob, 1));
        // The other ends: erin hears of alice; carol, whom bob did not know either, of alice and bob.
        Assert.Equal(["alice"], await JoinsAsync(erin, 1));
        Assert.Equal(["alice", "bob"], await JoinsAsync(carol, 2));
        Assert.True(await bob.NothingAsync(m => m.Type == "member-joined" && m.Restored == true, TimeSpan.FromMilliseconds(200)));
        Assert.True(await erin.NothingAsync(m => m.Type == "member-joined", TimeSpan.FromMilliseconds(100)));
    }

    /// <summary>
    /// A presence frame a repair may send: alice's own <c>member-joined</c> (no <c>restored</c>) may reach dave, who
    /// joined just after her, as the in-memory backplane broadcasts it after her ack.
    /// </summary>
    private static bool Repair(ServerMessage m) => m.Type is "member-left" or "member-updated" || (m.Type == "member-joined" && m.Restored == true);

    /// <summary>
    /// The peers of the next <paramref name="count"/> <c>member-joined</c> with <c>restored</c> a client gets (one
    /// without it may be a join's own, reaching a member that joined just after; none is sent by the repair).
    /// </summary>
    private static async Task<string[]> JoinsAsync(TestClient client, int count)
    {
        var peers = new List<string>();
        for (int i = 0; i < count; i++)
        {
            peers.Add((await client.ReceiveAsync(x => x.Type == "member-joined" && x.Restored == true)).Peer!);
        }
        return [.. peers.Order(StringComparer.Ordinal)];
    }
}
