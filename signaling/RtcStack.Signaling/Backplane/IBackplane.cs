namespace RtcStack.Signaling.Backplane;

/// <summary>
/// The state and message bus that signaling nodes share: routed envelopes, room membership and session
/// ownership. <see cref="InMemoryBackplane"/> is the single-node default; a Redis implementation lets
/// several nodes share rooms. Every method may be called concurrently. Methods do not throw for
/// "not found" cases; they may throw when the backing store is unreachable (then <see cref="IsHealthy"/>
/// is false) and callers degrade to local behaviour.
/// </summary>
/// <remarks>
/// Delivery contract: an envelope published to a peer reaches the <see cref="IBackplaneHandler"/> of the
/// node that subscribed that peer last (<see cref="SubscribePeerAsync"/>), in publish order per publisher.
/// A node subscribes a peer while it owns the peer's session, including while the session is detached and
/// waiting for resume (it buffers for it).
/// </remarks>
public interface IBackplane : IAsyncDisposable
{
    /// <summary>This node's id, unique in the cluster.</summary>
    string NodeId { get; }

    /// <summary>False while the backing store is unreachable (the node is then not ready).</summary>
    bool IsHealthy { get; }

    /// <summary>
    /// True when every envelope reaches its handler as the same object that was published, on the publisher's
    /// call, and envelope ids are never read: delivery to sessions never leaves the process (it bypasses any
    /// shared bus). The hub may then publish messages that exist only in memory (a prepared frame body,
    /// <see cref="Protocol.ServerMessage.PreparedBody"/>) and envelopes without an id (the relay fast path).
    /// False (the default) when envelopes are serialized or deduplicated by id.
    /// </summary>
    bool DeliversByReference => false;

    /// <summary>Starts delivering to <paramref name="handler"/>. Called once before any other method.</summary>
    ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken);

    /// <summary>Delivers <paramref name="envelope"/> to <paramref name="peer"/>'s node. False when no node holds the peer.</summary>
    ValueTask<bool> PublishToPeerAsync(PeerId peer, BackplaneEnvelope envelope, CancellationToken cancellationToken);

    /// <summary>Delivers <paramref name="envelope"/> to every member of <paramref name="room"/> except <see cref="BackplaneEnvelope.ExceptPeer"/>.</summary>
    ValueTask PublishToRoomAsync(RoomId room, BackplaneEnvelope envelope, CancellationToken cancellationToken);

    /// <summary>Routes envelopes for <paramref name="peer"/> to this node from now on.</summary>
    ValueTask SubscribePeerAsync(PeerId peer, CancellationToken cancellationToken);

    /// <summary>Stops routing <paramref name="peer"/> to this node (no effect if another node subscribed it since).</summary>
    ValueTask UnsubscribePeerAsync(PeerId peer, CancellationToken cancellationToken);

    /// <summary>Adds a member, creating the room on first join; refuses when the room holds <paramref name="capacity"/> members.</summary>
    ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity, CancellationToken cancellationToken);

    /// <summary>Replaces a member's metadata. False when the peer is not a member.</summary>
    ValueTask<bool> UpdateMemberAsync(RoomId room, RoomMember member, CancellationToken cancellationToken);

    /// <summary>Removes a member; the room is removed when it becomes empty. False when the peer was not a member.</summary>
    ValueTask<bool> RemoveMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="peer"/> is a member of <paramref name="room"/>.</summary>
    ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken);

    /// <summary>The current members of a room (empty when the room does not exist).</summary>
    ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room, CancellationToken cancellationToken);

    /// <summary>Records which node and session own <paramref name="peer"/>; returns the previous owner, if any.</summary>
    ValueTask<SessionOwner?> SetSessionOwnerAsync(PeerId peer, SessionOwner owner, CancellationToken cancellationToken);

    /// <summary>The node and session that own <paramref name="peer"/>, or null when the peer has no session.</summary>
    ValueTask<SessionOwner?> GetSessionOwnerAsync(PeerId peer, CancellationToken cancellationToken);

    /// <summary>Forgets the owner of <paramref name="peer"/> if it is still session <paramref name="sessionId"/>.</summary>
    ValueTask RemoveSessionOwnerAsync(PeerId peer, string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps <paramref name="call"/>, an invitation this node holds for an offline callee (<see cref="CallState.PendingInvite"/>),
    /// where the other nodes find it if this node dies: one survivor then adopts it
    /// (<see cref="IBackplaneHandler.OnInvitationsAdoptedAsync"/>) and keeps holding it until the ring time ends. Called
    /// again when the call changes (delivered). A single-process backplane keeps nothing (the default).
    /// </summary>
    ValueTask HoldInvitationAsync(CallState call, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The invitation <paramref name="callId"/> is no longer held here (delivered, answered, ended or handed over).</summary>
    ValueTask ReleaseInvitationAsync(string callId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// The callee answered invitation <paramref name="callId"/> (accept, decline, busy) but its caller has no session
    /// to hear it: whichever node holds the invitation (adopted from a dead node) stops holding it
    /// (<see cref="IBackplaneHandler.OnHeldInvitationEndedAsync"/>), so it is neither handed back to the caller as
    /// ringing nor rung out later. A single-process backplane has no other node (the default does nothing).
    /// </summary>
    ValueTask EndHeldInvitationAsync(string callId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// Takes <paramref name="peer"/> over from the node in <paramref name="owner"/>: first routes the peer to this
    /// node (as <see cref="SubscribePeerAsync"/>), then asks the owner to give up its session (its socket is closed
    /// with 4006). When <paramref name="resumeSessionId"/> names that session and it can be resumed, the owner
    /// returns its <see cref="ResumeState"/>; otherwise the owner ends the session (members are told) and null is
    /// returned. Returns null when the owner does not answer.
    /// </summary>
    /// <remarks>
    /// Handover guarantee: every envelope published to the peer is either in the returned state's frames (the
    /// owner took it before it handed over) or delivered to this node's handler (exactly one of the two), and
    /// envelopes from one publisher keep their order across the two. The handler must therefore be ready to hold
    /// envelopes for the peer before calling this; they come after every frame of the returned state.
    /// </remarks>
    ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken);
}
