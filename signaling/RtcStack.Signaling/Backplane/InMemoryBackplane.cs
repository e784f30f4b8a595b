namespace RtcStack.Signaling.Backplane;

/// <summary>
/// The embedded backplane: everything in this process. Several "nodes" can share one state
/// (<see cref="CreateNode"/>), which lets tests run two hubs against one bus without Redis.
/// </summary>
public sealed class InMemoryBackplane : IBackplane
{
    private readonly InMemoryBackplaneState _state;
    private IBackplaneHandler? _handler;

    public InMemoryBackplane(string? nodeId = null)
        : this(new InMemoryBackplaneState(), nodeId ?? "node-" + Guid.NewGuid().ToString("N")[..8])
    {
    }

    private InMemoryBackplane(InMemoryBackplaneState state, string nodeId)
    {
        _state = state;
        NodeId = nodeId;
    }

    public string NodeId { get; }

    public bool IsHealthy => true;

    /// <inheritdoc/>
    /// <remarks>Every node of one state lives in this process and envelopes are handed over as objects.</remarks>
    public bool DeliversByReference => true;

    /// <summary>Another node that shares this node's state.</summary>
    public InMemoryBackplane CreateNode(string nodeId) => new(_state, nodeId);

    internal IBackplaneHandler Handler => _handler ?? throw new InvalidOperationException("backplane not started");

    public ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken)
    {
        _handler = handler;
        _state.Nodes[NodeId] = this;
        return ValueTask.CompletedTask;
    }

    public async ValueTask<bool> PublishToPeerAsync(PeerId peer, BackplaneEnvelope envelope, CancellationToken cancellationToken)
    {
        // A node that no longer holds the peer (handed over meanwhile) says so; route again to the new subscriber.
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (!_state.Subscriptions.TryGetValue(peer.Value, out InMemoryBackplane? node) || node._handler is null)
            {
                return false;
            }
            if (await node._handler.OnEnvelopeAsync(peer, envelope).ConfigureAwait(false))
            {
                return true;
            }
            if (_state.Subscriptions.TryGetValue(peer.Value, out InMemoryBackplane? now) && ReferenceEquals(now, node))
            {
                return false;
            }
        }
        return false;
    }

    public async ValueTask PublishToRoomAsync(RoomId room, BackplaneEnvelope envelope, CancellationToken cancellationToken)
    {
        foreach (RoomMember member in _state.Members(room.Value))
        {
            if (member.Peer != envelope.ExceptPeer)
            {
                await PublishToPeerAsync(new PeerId(member.Peer), envelope, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask SubscribePeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        _state.Subscriptions[peer.Value] = this;
        return ValueTask.CompletedTask;
    }

    public ValueTask UnsubscribePeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        _state.Subscriptions.TryRemove(new KeyValuePair<string, InMemoryBackplane>(peer.Value, this));
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// True when <paramref name="peer"/> is a member of <paramref name="room"/> and subscribed on this node with
    /// <paramref name="handler"/>: <see cref="PublishToPeerAsync"/> would hand the envelope to that handler, so a
    /// caller may deliver to its own session directly (the hub's allocation-free relay). No strings are made.
    /// </summary>
    internal bool IsLocalMember(ReadOnlySpan<char> room, ReadOnlySpan<char> peer, IBackplaneHandler handler) =>
        ReferenceEquals(_handler, handler)
        && _state.SubscriptionsBySpan.TryGetValue(peer, out InMemoryBackplane? node) && ReferenceEquals(node, this)
        && _state.IsMember(room, peer);

    public ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_state.Add(room.Value, member, capacity));

    public ValueTask<bool> UpdateMemberAsync(RoomId room, RoomMember member, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_state.Update(room.Value, member));

    public ValueTask<bool> RemoveMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_state.Remove(room.Value, peer.Value));

    public ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_state.IsMember(room.Value, peer.Value));

    public ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<RoomMember>>(_state.Members(room.Value));

    public ValueTask<SessionOwner?> SetSessionOwnerAsync(PeerId peer, SessionOwner owner, CancellationToken cancellationToken)
    {
        SessionOwner? previous = null;
        _state.Owners.AddOrUpdate(peer.Value, owner, (_, old) =>
        {
            previous = old;
            return owner;
        });
        return ValueTask.FromResult(previous);
    }

    public ValueTask<SessionOwner?> GetSessionOwnerAsync(PeerId peer, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_state.Owners.TryGetValue(peer.Value, out SessionOwner? owner) ? owner : null);

    public ValueTask RemoveSessionOwnerAsync(PeerId peer, string sessionId, CancellationToken cancellationToken)
    {
        if (_state.Owners.TryGetValue(peer.Value, out SessionOwner? owner) && owner.SessionId == sessionId)
        {
            _state.Owners.TryRemove(new KeyValuePair<string, SessionOwner>(peer.Value, owner));
        }
        return ValueTask.CompletedTask;
    }

    public async ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken)
    {
        // Route to this node first: what the owner has not taken into its state by the time it hands over comes here.
        _state.Subscriptions[peer.Value] = this;
        if (!_state.Nodes.TryGetValue(owner.NodeId, out InMemoryBackplane? node) || node._handler is null)
        {
            return null;
        }
        return await node._handler.OnHandoverRequestedAsync(peer, resumeSessionId).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _state.Nodes.TryRemove(new KeyValuePair<string, InMemoryBackplane>(NodeId, this));
        return ValueTask.CompletedTask;
    }
}
