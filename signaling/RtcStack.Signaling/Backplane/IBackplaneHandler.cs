namespace RtcStack.Signaling.Backplane;

/// <summary>What a node does with what the backplane delivers to it (implemented by the signaling hub).</summary>
public interface IBackplaneHandler
{
    /// <summary>
    /// An envelope for <paramref name="recipient"/>, a peer this node subscribed. Returns false when this node no
    /// longer holds the recipient (its session was handed over or ended): the backplane then routes the envelope
    /// again if it was delivered directly (without going through the shared bus), else drops it.
    /// </summary>
    ValueTask<bool> OnEnvelopeAsync(PeerId recipient, BackplaneEnvelope envelope);

    /// <summary>Another node takes over <paramref name="peer"/>; see <see cref="IBackplane.RequestHandoverAsync"/>.</summary>
    ValueTask<ResumeState?> OnHandoverRequestedAsync(PeerId peer, string? resumeSessionId);

    /// <summary>
    /// Memberships of sessions on another node that is gone (see <see cref="LostMembership"/>) were removed; the
    /// handler tells each room (<c>member-left</c>). Each lost membership is reported to exactly one node.
    /// </summary>
    ValueTask OnMembershipsLostAsync(IReadOnlyList<LostMembership> lost);

    /// <summary>
    /// The sessions of <paramref name="peers"/> are gone with their node (or did not answer a handover) and will never
    /// end their calls: the handler ends its own sessions' calls with them (the other party gets <c>hangup</c>,
    /// <c>cancelled</c> or <c>declined</c> <c>gone</c>, as when a session ends). Reported to every node; ending a call
    /// twice has no effect.
    /// </summary>
    ValueTask OnPeersLostAsync(IReadOnlyList<PeerId> peers);

    /// <summary>
    /// <see cref="OnPeersLostAsync"/> naming the sessions that were lost: the handler ends only its calls with those
    /// sessions (a call made with, or handed back to, a newer session of the same peer carries on), so a notice applied
    /// late ends nothing it should not. A lost session without an id ends every call with its peer. The default reports
    /// the peers to <see cref="OnPeersLostAsync"/>.
    /// </summary>
    ValueTask OnSessionsLostAsync(IReadOnlyList<LostSession> lost) => OnPeersLostAsync([.. lost.Select(l => l.Peer).Distinct()]);

    /// <summary>
    /// This node reached the shared store again after an outage and its rooms' presence disagreed with what either
    /// side was told (see <see cref="PresenceRepair"/>); the handler sends the missed presence events. Called once
    /// per room that needs it, after this node's state was written back.
    /// </summary>
    ValueTask OnPresenceRepairedAsync(PresenceRepair repair);

    /// <summary>
    /// This node was presumed dead while cut off (its peers were reported lost to every other node, which ended their
    /// calls with them) and has written <paramref name="peers"/>' sessions back: the handler ends those sessions'
    /// calls with parties on other nodes, as the other side already did.
    /// </summary>
    ValueTask OnSessionsRevivedAsync(IReadOnlyList<PeerId> peers);

    /// <summary>
    /// This node reached the shared store again after an outage and found these peers owned by another node (they
    /// resumed or started a new session there meanwhile): the handler drops its leftover sessions of them at once,
    /// without telling their rooms (<c>member-left</c> would be wrong: the peer is alive elsewhere); their calls with
    /// this node's other sessions end. Only a leftover whose session id matches is dropped.
    /// </summary>
    ValueTask OnSessionsTakenOverAsync(IReadOnlyList<LeftoverSession> leftovers) => ValueTask.CompletedTask;

    /// <summary>
    /// Invitations another node held for offline callees (<see cref="IBackplane.HoldInvitationAsync"/>) when it died;
    /// this node holds them now: it delivers each if its callee connects before <see cref="CallState.ExpiresAt"/>,
    /// hands the call to its caller if the caller connects again, and sends <c>invite-timeout</c> when the ring time
    /// ends. Each held invitation is adopted by exactly one node.
    /// </summary>
    ValueTask OnInvitationsAdoptedAsync(IReadOnlyList<CallState> calls);

    /// <summary>
    /// The callee of invitation <paramref name="callId"/>, which this node holds, answered it while its caller had no
    /// session (see <see cref="IBackplane.EndHeldInvitationAsync"/>): the handler stops holding it.
    /// </summary>
    ValueTask OnHeldInvitationEndedAsync(string callId) => ValueTask.CompletedTask;

    /// <summary>
    /// This node was presumed dead while cut off and a survivor adopted these invitations it held
    /// (<see cref="OnInvitationsAdoptedAsync"/>): the survivor delivers, hands back or rings them out from now on, so
    /// this node stops holding its copies (their callers' sessions keep the calls; the survivor hands each back).
    /// </summary>
    ValueTask OnHeldInvitationsTakenAsync(IReadOnlyList<string> callIds) => ValueTask.CompletedTask;

    /// <summary>
    /// A call handed to a peer (<see cref="BackplaneEnvelope.Call"/>) came over the shared bus, but no session here took
    /// it (the peer's session ended or is gone) and the bus does not route it again: its sender let go of it once the bus
    /// took it, so the handler keeps it (holds it as an adopted invitation: handed to the caller's next session, delivered
    /// to its callee or rung out). A backplane that routes a refused envelope again (its publish returns false to the
    /// sender, which keeps the call) never calls this. Called on the node channel, which waits for it: the handler only
    /// records the call (its sweep advances it), it does not wait for other work.
    /// </summary>
    ValueTask OnHandedCallRefusedAsync(CallState call) => ValueTask.CompletedTask;
}
