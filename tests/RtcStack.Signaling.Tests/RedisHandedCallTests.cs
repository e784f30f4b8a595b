using System.Collections.Concurrent;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Backplane.Redis;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// A call handed to a peer over Redis (an adopted invitation given back to its caller) that the peer's node does not
/// take: Redis does not route it again and its sender let go of it, so the receiving node is told to keep it (real
/// redis-server, two backplane nodes).
/// </summary>
public sealed class RedisHandedCallTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private RedisServerProcess _redis = null!;
    private readonly List<RedisBackplane> _nodes = [];

    public async Task InitializeAsync() => _redis = await RedisServerProcess.StartNewAsync();

    public async Task DisposeAsync()
    {
        foreach (RedisBackplane node in _nodes)
        {
            await node.DisposeAsync();
        }
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_handed_call_no_session_takes_is_kept_by_the_node_it_reached()
    {
        var sender = new RefusingHandler();
        var receiver = new RefusingHandler();
        RedisBackplane a = await StartNodeAsync("node-a", sender);
        RedisBackplane b = await StartNodeAsync("node-b", receiver);
        var carol = new PeerId("carol");
        await b.SubscribePeerAsync(carol, None);

        // A plain message nobody takes is just dropped; a handed call is kept by node b.
        Assert.True(await a.PublishToPeerAsync(carol, BackplaneEnvelope.Create(new ServerMessage { Type = MessageTypes.Message, Message = "hi" }), None));
        var handed = BackplaneEnvelope.Create(new ServerMessage { Type = MessageTypes.Invite, CallId = "c-1" });
        handed.Call = new CallState { Id = "c-1", OtherPeer = "gina", Room = "r", Outgoing = true, ExpiresAt = 42 };
        Assert.True(await a.PublishToPeerAsync(carol, handed, None));

        for (int i = 0; i < 800 && receiver.Refused.IsEmpty; i++)
        {
            await Task.Delay(25);
        }
        Assert.Equal(["c-1"], receiver.Refused.Select(c => c.Id));
        Assert.Equal(2, receiver.Offered);
        Assert.Empty(sender.Refused);
    }

    private async Task<RedisBackplane> StartNodeAsync(string nodeId, IBackplaneHandler handler)
    {
        var node = new RedisBackplane(new RedisBackplaneOptions
        {
            ConnectionString = _redis.ConnectionString,
            NodeId = nodeId,
            KeyPrefix = "t:",
        });
        _nodes.Add(node);
        await node.StartAsync(handler, None);
        return node;
    }

    /// <summary>A node none of whose sessions takes anything.</summary>
    private sealed class RefusingHandler : IBackplaneHandler
    {
        private int _offered;

        public ConcurrentQueue<CallState> Refused { get; } = new();

        public int Offered => Volatile.Read(ref _offered);

        public ValueTask<bool> OnEnvelopeAsync(PeerId recipient, BackplaneEnvelope envelope)
        {
            Interlocked.Increment(ref _offered);
            return ValueTask.FromResult(false);
        }

        public ValueTask OnHandedCallRefusedAsync(CallState call)
        {
            Refused.Enqueue(call);
            return ValueTask.CompletedTask;
        }

        public ValueTask<ResumeState?> OnHandoverRequestedAsync(PeerId peer, string? resumeSessionId) => ValueTask.FromResult<ResumeState?>(null);

        public ValueTask OnMembershipsLostAsync(IReadOnlyList<LostMembership> lost) => ValueTask.CompletedTask;

        public ValueTask OnPeersLostAsync(IReadOnlyList<PeerId> peers) => ValueTask.CompletedTask;

        public ValueTask OnPresenceRepairedAsync(PresenceRepair repair) => ValueTask.CompletedTask;

        public ValueTask OnSessionsRevivedAsync(IReadOnlyList<PeerId> peers) => ValueTask.CompletedTask;

        public ValueTask OnInvitationsAdoptedAsync(IReadOnlyList<CallState> calls) => ValueTask.CompletedTask;
    }
}
