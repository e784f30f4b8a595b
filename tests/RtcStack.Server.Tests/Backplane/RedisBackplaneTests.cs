using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Backplane.Redis;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Backplane;

/// <summary>The Redis backplane against a real redis-server on a free loopback port, two nodes in one process.</summary>
public sealed class RedisBackplaneTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private RedisServerProcess _redis = null!;
    private RedisBackplane _a = null!;
    private RedisBackplane _b = null!;
    private readonly RecordingHandler _handlerA = new();
    private readonly RecordingHandler _handlerB = new();

    public async Task InitializeAsync()
    {
        _redis = await RedisServerProcess.StartNewAsync();
        _a = await StartNodeAsync("node-a", _handlerA);
        _b = await StartNodeAsync("node-b", _handlerB);
        // Publishing before a node's channel subscription is confirmed would lose envelopes (pub/sub keeps none).
        await Eventually.TrueAsync(() => _a.IsHealthy && _b.IsHealthy, "both nodes connected and subscribed");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Envelope_to_a_peer_on_the_other_node_arrives_in_publish_order()
    {
        await _b.SubscribePeerAsync(new PeerId("bob"), None);
        for (int i = 0; i < 50; i++)
        {
            Assert.True(await _a.PublishToPeerAsync(new PeerId("bob"), Text(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), None));
        }

        await Eventually.TrueAsync(() => _handlerB.TextsFor("bob").Length >= 50, "50 envelopes on node b");
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), _handlerB.TextsFor("bob"));
        Assert.Empty(_handlerA.Delivered);
    }

    [Fact]
    public async Task Publishing_to_an_unknown_peer_returns_false()
    {
        Assert.False(await _a.PublishToPeerAsync(new PeerId("nobody"), Text("x"), None));
    }

    [Fact]
    public async Task Room_broadcast_reaches_members_on_both_nodes_except_the_sender()
    {
        var room = new RoomId("r1");
        await _a.SubscribePeerAsync(new PeerId("alice"), None);
        await _a.SubscribePeerAsync(new PeerId("carol"), None);
        await _b.SubscribePeerAsync(new PeerId("bob"), None);
        Assert.Equal(RoomJoinResult.Joined, await _a.AddMemberAsync(room, new RoomMember("alice", null), 10, None));
        Assert.Equal(RoomJoinResult.Joined, await _a.AddMemberAsync(room, new RoomMember("carol", "{\"n\":1}"), 10, None));
        Assert.Equal(RoomJoinResult.Joined, await _b.AddMemberAsync(room, new RoomMember("bob", null), 10, None));

        await _a.PublishToRoomAsync(room, BackplaneEnvelope.Create(Message("hi"), new PeerId("alice")), None);

        await Eventually.TrueAsync(() => _handlerB.TextsFor("bob").Length == 1 && _handlerA.TextsFor("carol").Length == 1, "bob and carol get the broadcast");
        Assert.Empty(_handlerA.TextsFor("alice"));
        var members = await _b.GetMembersAsync(room, None);
        Assert.Equal(["alice", "bob", "carol"], members.Select(m => m.Peer).Order());
        Assert.Equal("{\"n\":1}", members.Single(m => m.Peer == "carol").MetaJson);
    }

    [Fact]
    public async Task Membership_is_shared_and_capacity_holds_across_nodes()
    {
        var room = new RoomId("small");
        Assert.Equal(RoomJoinResult.Joined, await _a.AddMemberAsync(room, new RoomMember("p1", null), 2, None));
        Assert.Equal(RoomJoinResult.Joined, await _b.AddMemberAsync(room, new RoomMember("p2", null), 2, None));
        Assert.Equal(RoomJoinResult.Full, await _a.AddMemberAsync(room, new RoomMember("p3", null), 2, None));
        Assert.Equal(RoomJoinResult.AlreadyMember, await _a.AddMemberAsync(room, new RoomMember("p2", "{}"), 2, None));
        Assert.True(await _a.IsMemberAsync(room, new PeerId("p2"), None));
        Assert.True(await _b.UpdateMemberAsync(room, new RoomMember("p1", "{\"x\":2}"), None));
        Assert.False(await _b.UpdateMemberAsync(room, new RoomMember("p9", "{}"), None));
        Assert.True(await _b.RemoveMemberAsync(room, new PeerId("p1"), None));
        Assert.False(await _b.RemoveMemberAsync(room, new PeerId("p1"), None));
        Assert.True(await _a.RemoveMemberAsync(room, new PeerId("p2"), None));
        Assert.Empty(await _a.GetMembersAsync(room, None));
    }

    [Fact]
    public async Task Session_owner_is_shared_and_removed_only_by_its_session()
    {
        var peer = new PeerId("dave");
        Assert.Null(await _a.SetSessionOwnerAsync(peer, new SessionOwner("node-a", "s1"), None));
        Assert.Equal(new SessionOwner("node-a", "s1"), await _b.GetSessionOwnerAsync(peer, None));
        Assert.Equal(new SessionOwner("node-a", "s1"), await _b.SetSessionOwnerAsync(peer, new SessionOwner("node-b", "s2"), None));
        await _a.RemoveSessionOwnerAsync(peer, "s1", None);
        Assert.Equal(new SessionOwner("node-b", "s2"), await _a.GetSessionOwnerAsync(peer, None));
        await _a.RemoveSessionOwnerAsync(peer, "s2", None);
        Assert.Null(await _b.GetSessionOwnerAsync(peer, None));
    }

    [Fact]
    public async Task Handover_asks_the_owning_node_and_returns_its_resume_state()
    {
        _handlerA.HandoverAnswer = new ResumeState
        {
            SessionId = "s1",
            LastSeq = 7,
            Frames = [new BufferedFrame(7, "{\"type\":\"message\",\"seq\":7}")],
            Rooms = [new RoomMembership("r", null)],
        };
        var state = await _b.RequestHandoverAsync(new SessionOwner("node-a", "s1"), new PeerId("erin"), "s1", None);
        Assert.NotNull(state);
        Assert.Equal(7, state.LastSeq);
        Assert.Equal("{\"type\":\"message\",\"seq\":7}", Assert.Single(state.Frames).Json);
        Assert.Equal(("erin", "s1"), Assert.Single(_handlerA.HandoverRequests));
        Assert.Null(await _b.RequestHandoverAsync(new SessionOwner("node-gone", "s1"), new PeerId("erin"), "s1", None));
    }

    [Fact]
    public async Task A_handover_splits_a_continuous_publisher_between_the_old_node_and_the_new_one_without_loss_or_overlap()
    {
        var handlerC = new RecordingHandler();
        await using var c = await StartNodeAsync("node-c", handlerC);
        await Eventually.TrueAsync(() => c.IsHealthy, "node c subscribed");
        var peer = new PeerId("gina");
        await _a.SubscribePeerAsync(peer, None);
        _handlerA.HandoverAnswer = new ResumeState { SessionId = "s1" };
        int published = 0;
        using var stop = new CancellationTokenSource();
        Task publisher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Never "no route": the route moves from node a to node b in one step.
                Assert.True(await c.PublishToPeerAsync(peer, Text(published.ToString(System.Globalization.CultureInfo.InvariantCulture)), None));
                Interlocked.Increment(ref published);
            }
        });
        await Eventually.TrueAsync(() => Volatile.Read(ref published) >= 100 || publisher.IsCompleted, "100 published to node a");
        Assert.NotNull(await _b.RequestHandoverAsync(new SessionOwner("node-a", "s1"), peer, "s1", None));
        int floor = Volatile.Read(ref published) + 100;
        await Eventually.TrueAsync(() => Volatile.Read(ref published) >= floor || publisher.IsCompleted, "100 more published to node b");
        await stop.CancelAsync();
        await publisher;

        await Eventually.TrueAsync(() => _handlerA.TextsFor("gina").Length + _handlerB.TextsFor("gina").Length >= published, "every envelope delivered");
        string[] atA = _handlerA.TextsFor("gina");
        string[] atB = _handlerB.TextsFor("gina");
        // Node a had everything routed to it before the request when it handled the request, and nothing came after.
        Assert.Equal(atA.Length, _handlerA.DeliveredAtHandover);
        Assert.Equal(Enumerable.Range(0, published).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), atA.Concat(atB));
        Assert.Empty(handlerC.Delivered);
    }

    [Fact]
    public async Task A_peer_taken_over_from_another_node_gets_this_nodes_envelopes_through_its_channel_in_order()
    {
        var peer = new PeerId("hal");
        await _a.SubscribePeerAsync(peer, None);
        _handlerA.HandoverAnswer = new ResumeState { SessionId = "s1" };
        Assert.NotNull(await _b.RequestHandoverAsync(new SessionOwner("node-a", "s1"), peer, "s1", None));

        // b1 goes through node b's channel (hal is being taken over) and is held there by the handler.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int holding = 0;
        _handlerB.Hold = text =>
        {
            if (text != "b1")
            {
                return Task.CompletedTask;
            }

            Interlocked.Exchange(ref holding, 1);
            return release.Task;
        };
        Assert.True(await _b.PublishToPeerAsync(peer, Text("b1"), None));
        await Eventually.TrueAsync(() => Volatile.Read(ref holding) == 1, "b1 held in node b's queue");

        // The session is installed (hello subscribes again); a later envelope from this node must not overtake b1.
        await _b.SubscribePeerAsync(peer, None);
        Assert.True(await _b.PublishToPeerAsync(peer, Text("b2"), None));
        release.SetResult();
        await Eventually.TrueAsync(() => _handlerB.TextsFor("hal").Length == 2, "both delivered");
        Assert.Equal(["b1", "b2"], _handlerB.TextsFor("hal"));
    }

    [Fact]
    public async Task The_owner_answers_a_handover_only_after_the_envelopes_routed_to_it_before()
    {
        var peer = new PeerId("ivy");
        await _a.SubscribePeerAsync(peer, None);
        _handlerA.HandoverAnswer = new ResumeState { SessionId = "s1" };
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int holding = 0;
        _handlerA.Hold = text =>
        {
            Interlocked.Exchange(ref holding, 1);
            return text == "a1" ? release.Task : Task.CompletedTask;
        };
        Assert.True(await _b.PublishToPeerAsync(peer, Text("a1"), None));
        await Eventually.TrueAsync(() => Volatile.Read(ref holding) == 1, "a1 held in node a's queue");

        var handover = _b.RequestHandoverAsync(new SessionOwner("node-a", "s1"), peer, "s1", None).AsTask();
        await Task.Delay(300);
        Assert.False(handover.IsCompleted);
        release.SetResult();
        Assert.NotNull(await handover);
        Assert.Equal(1, _handlerA.DeliveredAtHandover);
        Assert.Equal(["a1"], _handlerA.TextsFor("ivy"));
    }

    [Fact]
    public async Task Unsubscribe_by_an_old_node_does_not_steal_the_route_back()
    {
        var peer = new PeerId("frank");
        await _a.SubscribePeerAsync(peer, None);
        await _b.SubscribePeerAsync(peer, None);
        await _a.UnsubscribePeerAsync(peer, None);
        Assert.True(await _a.PublishToPeerAsync(peer, Text("to-b"), None));
        await Eventually.TrueAsync(() => _handlerB.TextsFor("frank").Length == 1, "frank on node b gets it");
    }

    [Fact]
    public async Task Redis_down_means_not_healthy_but_local_rooms_work_and_redis_back_restores_routing()
    {
        var room = new RoomId("local");
        await _a.SubscribePeerAsync(new PeerId("l1"), None);
        await _a.SubscribePeerAsync(new PeerId("l2"), None);
        await _b.SubscribePeerAsync(new PeerId("r1"), None);
        await _a.AddMemberAsync(room, new RoomMember("l1", null), 10, None);
        await _b.AddMemberAsync(room, new RoomMember("r1", null), 10, None);
        Assert.True(_a.IsHealthy);

        await _redis.StopAsync();
        await Eventually.TrueAsync(() => !_a.IsHealthy && !_b.IsHealthy, "both nodes report unhealthy");

        Assert.Equal(RoomJoinResult.Joined, await _a.AddMemberAsync(room, new RoomMember("l2", null), 10, None));
        Assert.True(await _a.IsMemberAsync(room, new PeerId("l2"), None));
        await _a.PublishToRoomAsync(room, BackplaneEnvelope.Create(Message("while-down"), new PeerId("l1")), None);
        Assert.Equal(["while-down"], _handlerA.TextsFor("l2"));
        Assert.True(await _a.PublishToPeerAsync(new PeerId("l1"), Text("direct"), None));

        await _redis.StartAsync();
        await Eventually.TrueAsync(() => _a.IsHealthy && _b.IsHealthy, "both nodes healthy again");

        // Redis restarted empty: node a wrote its peers and memberships back, so node b routes to them again.
        var members = await _b.GetMembersAsync(room, None);
        Assert.Contains(members, m => m.Peer == "l2");
        Assert.True(await _b.PublishToPeerAsync(new PeerId("l2"), Text("after"), None));
        await Eventually.TrueAsync(() => _handlerA.TextsFor("l2").Contains("after"), "l2 gets a message from node b");
    }

    private async Task<RedisBackplane> StartNodeAsync(string nodeId, IBackplaneHandler handler)
    {
        var node = new RedisBackplane(new RedisBackplaneOptions
        {
            ConnectionString = _redis.ConnectionString,
            NodeId = nodeId,
            KeyPrefix = "t:",
            ReconnectInterval = TimeSpan.FromMilliseconds(200),
        });
        await node.StartAsync(handler, None);
        return node;
    }

    private static BackplaneEnvelope Text(string text) => BackplaneEnvelope.Create(Message(text));

    private static ServerMessage Message(string text) => new() { Type = MessageTypes.Message, Message = text };
}
