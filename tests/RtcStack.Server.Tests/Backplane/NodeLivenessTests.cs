using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Backplane.Redis;
using StackExchange.Redis;

namespace RtcStack.Server.Tests.Backplane;

/// <summary>
/// A node that dies without cleaning up (real redis-server): its liveness key expires, one survivor removes its
/// sessions' memberships, owners and routes and reports each membership once; a handover to a dead owner returns
/// at once and forgets the peer. A node is "killed" by disposing its backplane, which stops its heartbeat and
/// closes its Redis connection without touching any key, as a crash would.
/// </summary>
public sealed class NodeLivenessTests : RedisNodeTests
{
    [Fact]
    public async Task A_dead_nodes_memberships_are_removed_and_reported_once_across_survivors()
    {
        var (dead, _) = await StartNodeAsync("node-x");
        var (s1, h1) = await StartNodeAsync("node-s1");
        var (s2, h2) = await StartNodeAsync("node-s2");
        await OwnAsync(s1, "alice", "r1");
        await OwnAsync(dead, "bob", "r1", "r2");
        await OwnAsync(dead, "carol", "r2");
        // erin is in no room: nothing is removed for her, but her calls must end too, so she is reported lost.
        await OwnAsync(dead, "erin");
        // A peer handed over from the dead node to a survivor before it died stays.
        await OwnAsync(dead, "dave", "r1");
        await OwnAsync(s2, "dave");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        IDatabase db = redis.GetDatabase();
        await Eventually.TrueAsync(async () => await db.SetContainsAsync("t:nodes", "node-x"), "the node registered");

        await KillAsync(dead);
        await Eventually.TrueAsync(() => h1.Lost.Count + h2.Lost.Count >= 3, "the survivors swept the dead node", TimeSpan.FromSeconds(60));
        // Once swept, the dead node is no longer registered: no survivor can report it again.
        Assert.False(await db.SetContainsAsync("t:nodes", "node-x"));

        LostMembership[] lost = [.. h1.Lost, .. h2.Lost];
        Assert.Equal(
            ["r1/bob", "r2/bob", "r2/carol"],
            lost.Select(l => l.Room.Value + "/" + l.Peer.Value).Order());
        Assert.Equal(["alice", "dave"], (await s1.GetMembersAsync(new RoomId("r1"), None)).Select(m => m.Peer).Order());
        Assert.Empty(await s2.GetMembersAsync(new RoomId("r2"), None));
        Assert.Null(await s1.GetSessionOwnerAsync(new PeerId("bob"), None));
        Assert.Equal("node-s2", (await s1.GetSessionOwnerAsync(new PeerId("dave"), None))?.NodeId);
        Assert.False(await s1.PublishToPeerAsync(new PeerId("bob"), Text(), None));
        Assert.False(await db.KeyExistsAsync("t:peer-rooms:bob"));
        Assert.False(await db.KeyExistsAsync("t:node-peers:node-x"));
        Assert.True(await db.KeyExistsAsync("t:alive:node-s1"));
        // Every survivor hears which sessions were lost (calls need no shared room), whoever swept.
        await Eventually.TrueAsync(() => h1.LostPeers.Count >= 3 && h2.LostPeers.Count >= 3, "both survivors are told the lost peers");
        Assert.Equal(["bob", "carol", "erin"], h1.LostPeers.Order());
        Assert.Equal(["bob", "carol", "erin"], h2.LostPeers.Order());
    }

    [Fact]
    public async Task A_dead_nodes_held_invitations_are_adopted_by_one_survivor()
    {
        var (dead, _) = await StartNodeAsync("node-x");
        var (s1, h1) = await StartNodeAsync("node-s1");
        var (s2, h2) = await StartNodeAsync("node-s2");
        await OwnAsync(dead, "bob");
        var invite = new Signaling.Protocol.ServerMessage { Type = "invite", CallId = "c1", From = "bob", Room = "r", ExpiresAt = 42 };
        await dead.HoldInvitationAsync(new CallState { Id = "c1", OtherPeer = "gina", Room = "r", Outgoing = true, ExpiresAt = 42, PendingInvite = invite }, None);
        await dead.HoldInvitationAsync(new CallState { Id = "c2", OtherPeer = "hank", Room = "r", Outgoing = true, ExpiresAt = 42, PendingInvite = invite }, None);
        await dead.ReleaseInvitationAsync("c2", None);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        IDatabase db = redis.GetDatabase();
        Assert.Equal(["c1"], (await db.HashKeysAsync("t:held:node-x")).Select(v => v.ToString()));

        await KillAsync(dead);
        await Eventually.TrueAsync(() => h1.Adopted.Count + h2.Adopted.Count >= 1, "a survivor adopted the invitation", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => h1.LostPeers.Contains("bob") && h2.LostPeers.Contains("bob"), "both survivors are told bob is lost");
        CallState adopted = Assert.Single([.. h1.Adopted, .. h2.Adopted]);
        Assert.Equal(("c1", "gina", 42L, "bob"), (adopted.Id, adopted.OtherPeer, adopted.ExpiresAt, adopted.PendingInvite?.From));
        string adopter = h1.Adopted.IsEmpty ? "node-s2" : "node-s1";
        Assert.False(await db.KeyExistsAsync("t:held:node-x"));
        Assert.Equal(["c1"], (await db.HashKeysAsync("t:held:" + adopter)).Select(v => v.ToString()));

        // The adopter holds it from now on: releasing it there removes it from Redis.
        await (adopter == "node-s1" ? s1 : s2).ReleaseInvitationAsync("c1", None);
        Assert.False(await db.KeyExistsAsync("t:held:" + adopter));
    }

    [Fact]
    public async Task A_handover_to_a_dead_owner_returns_and_forgets_the_peer_once()
    {
        var (dead, _) = await StartNodeAsync("node-x");
        var (s1, h1) = await StartNodeAsync("node-s1");
        await OwnAsync(s1, "alice", "r1");
        await OwnAsync(dead, "bob", "r1", "r2");
        await KillAsync(dead);

        var owner = new SessionOwner("node-x", "s-bob");
        Assert.Null(await s1.RequestHandoverAsync(owner, new PeerId("bob"), "s-bob", None).AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(["r1", "r2"], h1.Lost.Select(l => l.Room.Value).Order());
        Assert.All(h1.Lost, l => Assert.Equal("bob", l.Peer.Value));
        Assert.Equal(["alice"], (await s1.GetMembersAsync(new RoomId("r1"), None)).Select(m => m.Peer));
        Assert.Null(await s1.GetSessionOwnerAsync(new PeerId("bob"), None));

        // A second attempt (or the liveness sweep later) finds nothing left to report.
        Assert.Null(await s1.RequestHandoverAsync(owner, new PeerId("bob"), "s-bob", None));
        Assert.Equal(2, h1.Lost.Count);
        await Eventually.TrueAsync(() => h1.LostPeers.Contains("bob"), "the node is told bob's session is lost");
        Assert.Equal(["bob"], h1.LostPeers);
    }

    [Fact]
    public async Task An_owner_that_dies_while_handing_over_leaves_no_membership_behind()
    {
        var (dying, hx) = await StartNodeAsync("node-x");
        var (s1, h1) = await StartNodeAsync("node-s1", handoverTimeout: TimeSpan.FromSeconds(2));
        await OwnAsync(s1, "alice", "r1");
        await OwnAsync(dying, "bob", "r1");
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hx.HoldHandover = () =>
        {
            asked.TrySetResult();
            return never.Task;
        };

        Task<ResumeState?> handover = s1.RequestHandoverAsync(new SessionOwner("node-x", "s-bob"), new PeerId("bob"), "s-bob", None).AsTask();
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await KillAsync(dying);
        Assert.Null(await handover.WaitAsync(TimeSpan.FromSeconds(60)));
        never.SetResult();

        LostMembership lost = Assert.Single(h1.Lost);
        Assert.Equal(("r1", "bob"), (lost.Room.Value, lost.Peer.Value));
        Assert.Equal(["alice"], (await s1.GetMembersAsync(new RoomId("r1"), None)).Select(m => m.Peer));
        Assert.Null(await s1.GetSessionOwnerAsync(new PeerId("bob"), None));
    }

    [Fact]
    public async Task A_node_cut_off_past_the_ttl_is_swept_then_writes_back_only_the_peers_still_its_own()
    {
        await using var proxy = new LoadBalancer(new Uri("tcp://" + Redis.ConnectionString));
        var (cut, hx) = await StartNodeAsync("node-x", connectionString: Via(proxy));
        var (s1, h1) = await StartNodeAsync("node-s1");
        await OwnAsync(cut, "bob", "r1");
        await OwnAsync(cut, "carol", "r1");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        IDatabase db = redis.GetDatabase();
        await Eventually.TrueAsync(async () => await db.SetContainsAsync("t:nodes", "node-x"), "the node registered");

        proxy.Paused = true;
        proxy.DropAll();
        await Eventually.TrueAsync(() => !cut.IsHealthy, "node-x lost Redis");
        await Eventually.TrueAsync(() => h1.Lost.Count >= 2, "the survivor swept node-x", TimeSpan.FromSeconds(60));
        Assert.Equal(["bob", "carol"], h1.Lost.Select(l => l.Peer.Value).Order());
        // Meanwhile carol came back through the survivor.
        await OwnAsync(s1, "carol", "r1");

        proxy.Paused = false;
        await Eventually.TrueAsync(
            async () => cut.IsHealthy && (await s1.GetSessionOwnerAsync(new PeerId("bob"), None))?.NodeId == "node-x" && await s1.IsMemberAsync(new RoomId("r1"), new PeerId("bob"), None),
            "node-x wrote bob back",
            TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => await db.SetContainsAsync("t:nodes", "node-x"), "node-x registered again");
        Assert.Equal("node-s1", (await s1.GetSessionOwnerAsync(new PeerId("carol"), None))?.NodeId);
        Assert.Equal("node-s1", (string?)await db.StringGetAsync("t:route:carol"));
        Assert.Equal("node-x", (string?)await db.StringGetAsync("t:route:bob"));
        Assert.Equal(["bob"], (await db.SetMembersAsync("t:node-peers:node-x")).Select(v => v.ToString()));
        Assert.Equal(["bob", "carol"], (await s1.GetMembersAsync(new RoomId("r1"), None)).Select(m => m.Peer).Order());
        Assert.Empty(hx.Lost);

        // node-x hears what to tell: carol (on node-s1 now) must learn bob is back, and bob that carol is a member
        // on another node (node-x had her as its own). bob's calls with other nodes ended there when he was swept:
        // node-x is told to end them too.
        await Eventually.TrueAsync(() => !hx.Repairs.IsEmpty && !hx.Revived.IsEmpty, "node-x reports the repair");
        PresenceRepair repair = Assert.Single(hx.Repairs);
        Assert.Equal("r1", repair.Room.Value);
        Assert.Equal(["carol"], repair.Others.Select(m => m.Peer));
        Assert.Equal(["bob"], repair.Returned.Select(m => m.Peer));
        Assert.Empty(repair.Departed);
        Assert.Equal(["carol"], repair.Joined.Select(m => m.Peer));
        Assert.Equal(["bob"], hx.Revived);
        Assert.False(await db.KeyExistsAsync("t:swept:node-x"));
    }

    [Fact]
    public async Task A_node_cut_off_briefly_repairs_presence_both_ways_when_redis_returns()
    {
        await using var proxy = new LoadBalancer(new Uri("tcp://" + Redis.ConnectionString));
        // A long TTL: the cut is shorter, nobody sweeps node-x; the pub/sub messages of the cut are lost all the same.
        var (cut, hx) = await StartNodeAsync("node-x", connectionString: Via(proxy), ttl: TimeSpan.FromMinutes(5));
        var (s1, h1) = await StartNodeAsync("node-s1", ttl: TimeSpan.FromMinutes(5));
        await OwnAsync(cut, "bob", "r1");
        await OwnAsync(cut, "erin", "r1");
        await OwnAsync(s1, "alice", "r1");
        await OwnAsync(s1, "frank", "r1");
        // What node-x's members were told when they joined: the members then.
        Assert.Equal(4, (await cut.GetMembersAsync(new RoomId("r1"), None)).Count);

        proxy.Paused = true;
        proxy.DropAll();
        await Eventually.TrueAsync(() => !cut.IsHealthy, "node-x lost Redis");
        // While cut off: erin leaves and dave joins on node-x, carol joins and frank leaves on node-s1.
        Assert.True(await cut.RemoveMemberAsync(new RoomId("r1"), new PeerId("erin"), None));
        await OwnAsync(cut, "dave", "r1");
        await OwnAsync(s1, "carol", "r1");
        Assert.True(await s1.RemoveMemberAsync(new RoomId("r1"), new PeerId("frank"), None));

        proxy.Paused = false;
        await Eventually.TrueAsync(() => cut.IsHealthy && !hx.Repairs.IsEmpty, "node-x is back and reports the repair", TimeSpan.FromSeconds(60));
        PresenceRepair repair = Assert.Single(hx.Repairs);
        Assert.Equal(["alice", "carol"], repair.Others.Select(m => m.Peer).Order());
        Assert.Equal(["dave"], repair.Returned.Select(m => m.Peer));
        Assert.Equal(["erin"], repair.Departed.Select(p => p.Value));
        Assert.Equal(["carol"], repair.Joined.Select(m => m.Peer));
        Assert.Equal(["frank"], repair.Left.Select(p => p.Value));
        Assert.Empty(repair.Updated);
        Assert.Equal(["dave"], repair.Newcomers.Select(p => p.Value));
        Assert.Empty(hx.Revived);
        Assert.Equal(["alice", "bob", "carol", "dave"], (await s1.GetMembersAsync(new RoomId("r1"), None)).Select(m => m.Peer).Order());
        Assert.Empty(h1.Repairs);
    }

    [Fact]
    public async Task After_redis_restarts_empty_no_member_is_reported_gone_or_back()
    {
        var (x, hx) = await StartNodeAsync("node-x");
        var (s1, h1) = await StartNodeAsync("node-s1");
        await OwnAsync(x, "bob", "r1");
        await OwnAsync(s1, "alice", "r1");
        // What each node's members were told: both members.
        Assert.Equal(2, (await x.GetMembersAsync(new RoomId("r1"), None)).Count);
        Assert.Equal(2, (await s1.GetMembersAsync(new RoomId("r1"), None)).Count);

        await Redis.StopAsync();
        await Eventually.TrueAsync(() => !x.IsHealthy && !s1.IsHealthy, "both nodes lost Redis");
        await Redis.StartAsync();
        await Eventually.TrueAsync(
            async () => x.IsHealthy && s1.IsHealthy && (await s1.GetMembersAsync(new RoomId("r1"), None)).Count == 2,
            "both nodes wrote their members back",
            TimeSpan.FromSeconds(60));

        // Nobody left and nobody was presumed gone: whichever node wrote back first, no presence event is due.
        Assert.All([.. hx.Repairs, .. h1.Repairs], r =>
        {
            Assert.Empty(r.Returned);
            Assert.Empty(r.Departed);
            Assert.Empty(r.Left);
        });
        Assert.Empty(hx.Revived);
        Assert.Empty(h1.Revived);
        Assert.Empty(hx.Lost);
        Assert.Empty(h1.Lost);
    }

    [Fact]
    public async Task An_owner_that_no_longer_has_the_session_gets_its_memberships_forgotten()
    {
        // node-y handed bob's session to a node that died before it took ownership: node-y is still the
        // recorded owner but has no session (its handler answers null) and nobody would ever remove bob.
        var (y, _) = await StartNodeAsync("node-y");
        var (s1, h1) = await StartNodeAsync("node-s1");
        await OwnAsync(s1, "alice", "r1");
        await OwnAsync(y, "bob", "r1");

        Assert.Null(await s1.RequestHandoverAsync(new SessionOwner("node-y", "s-bob"), new PeerId("bob"), "s-bob", None));
        LostMembership lost = Assert.Single(h1.Lost);
        Assert.Equal(("r1", "bob"), (lost.Room.Value, lost.Peer.Value));
        Assert.Equal(["alice"], (await s1.GetMembersAsync(new RoomId("r1"), None)).Select(m => m.Peer));
    }

    [Fact]
    public async Task A_node_restarted_with_the_same_id_removes_its_previous_sessions_at_start()
    {
        // A long TTL: its liveness key outlives the restart, so no survivor sweeps the previous process.
        var (before, _) = await StartNodeAsync("node-x", ttl: TimeSpan.FromMinutes(5));
        var (s1, h1) = await StartNodeAsync("node-s1");
        await OwnAsync(s1, "alice", "r1");
        await OwnAsync(before, "bob", "r1");
        await KillAsync(before);

        var (after, hx) = await StartNodeAsync("node-x");
        LostMembership lost = Assert.Single(hx.Lost);
        Assert.Equal(("r1", "bob"), (lost.Room.Value, lost.Peer.Value));
        Assert.Equal(["alice"], (await after.GetMembersAsync(new RoomId("r1"), None)).Select(m => m.Peer));
        Assert.Null(await after.GetSessionOwnerAsync(new PeerId("bob"), None));
        Assert.Empty(h1.Lost);
    }

    [Fact]
    public async Task A_session_left_behind_on_the_old_node_does_not_remove_the_new_sessions_membership()
    {
        var (old, _) = await StartNodeAsync("node-x");
        var (current, _) = await StartNodeAsync("node-s1");
        await OwnAsync(old, "bob", "r1");
        Assert.Equal("node-x", (await current.SetSessionOwnerAsync(new PeerId("bob"), new SessionOwner("node-s1", "s-new"), None))?.NodeId);

        Assert.False(await old.RemoveMemberAsync(new RoomId("r1"), new PeerId("bob"), None));
        Assert.True(await current.IsMemberAsync(new RoomId("r1"), new PeerId("bob"), None));
        Assert.True(await current.RemoveMemberAsync(new RoomId("r1"), new PeerId("bob"), None));
    }

    /// <summary>What a hub does for a session on <paramref name="node"/>: route, owner, then the rooms.</summary>
    private static async Task OwnAsync(RedisBackplane node, string peer, params string[] rooms)
    {
        await node.SubscribePeerAsync(new PeerId(peer), None);
        await node.SetSessionOwnerAsync(new PeerId(peer), new SessionOwner(node.NodeId, "s-" + peer), None);
        foreach (string room in rooms)
        {
            Assert.NotEqual(RoomJoinResult.Full, await node.AddMemberAsync(new RoomId(room), new RoomMember(peer, null), 10, None));
        }
    }

    private static BackplaneEnvelope Text() => BackplaneEnvelope.Create(new Signaling.Protocol.ServerMessage { Type = "message", Message = "x" });
}
