using RtcStack.Signaling.Backplane;

namespace RtcStack.Signaling.Hub;

/// <summary>One side of a call invitation, kept by the session of that side (and handed over with it).</summary>
internal sealed class Call(string id, string otherPeer, string room, bool outgoing, long expiresAt)
{
    public string Id { get; } = id;
    public string OtherPeer { get; } = otherPeer;
    public string Room { get; } = room;
    public bool Outgoing { get; } = outgoing;

    /// <summary>Epoch milliseconds when ringing stops.</summary>
    public long ExpiresAt { get; } = expiresAt;

    public bool Accepted { get; set; }

    /// <summary>For an outgoing call: the invite reached the callee's node.</summary>
    public bool Delivered { get; set; }

    /// <summary>For an outgoing call to an offline peer: the frame to deliver when the callee connects.</summary>
    public Protocol.ServerMessage? PendingInvite { get; set; }

    /// <summary>
    /// The other party's session this half is linked with: learned from the message that made the half (the caller's
    /// <c>invite</c>), from the callee's answers (<c>ringing</c>, <c>accepted</c>), or from the callee's owner when the
    /// invitation was delivered. Null when not known.
    /// </summary>
    /// <remarks>Set on delivery threads and read by the lost-notice check without the session lock (volatile).</remarks>
    public string? OtherSession { get => _otherSession; set => _otherSession = value; }

    /// <summary>
    /// A session of the other party that was lost before this half was made (the callee's half of an invitation a
    /// survivor adopted and delivered): the notice about it (published with that adoption) does not end the call, the
    /// adoption does. Ignored once: cleared when that notice is applied here, or at once when it was applied before
    /// the half was made (<see cref="RecentLosses.Named"/>), so a later notice about the same session (it was only cut
    /// off, took the call back, and was then lost for real) ends the call.
    /// </summary>
    public string? IgnoredSession { get => _ignoredSession; set => _ignoredSession = value; }

    /// <summary>For an outgoing call held for an offline callee: the caller's session that held it (kept by an adopter).</summary>
    public string? HolderSession { get; set; }

    private int _delivering;
    private volatile string? _otherSession;
    private volatile string? _ignoredSession;

    /// <summary>
    /// True when a notice that the other party's session <paramref name="lostSession"/> is gone ends this half: the
    /// half is linked to that session, or to none it knows of (except one lost before), or the notice names none.
    /// </summary>
    public bool EndsWhenLost(string? lostSession) =>
        lostSession is null || (OtherSession is null ? lostSession != IgnoredSession : lostSession == OtherSession);

    /// <summary>Claims the right to try delivering <see cref="PendingInvite"/> now; false while another try runs.</summary>
    public bool TryBeginDelivery() => Interlocked.CompareExchange(ref _delivering, 1, 0) == 0;

    public void EndDelivery() => Volatile.Write(ref _delivering, 0);

    /// <summary>The state of this half; <paramref name="holder"/> names the caller's session holding its invitation.</summary>
    public CallState ToState(string? holder = null) => new()
    {
        Id = Id,
        OtherPeer = OtherPeer,
        Room = Room,
        Outgoing = Outgoing,
        ExpiresAt = ExpiresAt,
        Accepted = Accepted,
        Delivered = Delivered,
        PendingInvite = PendingInvite,
        OtherSession = OtherSession,
        IgnoredSession = IgnoredSession,
        HolderSession = holder ?? HolderSession,
    };

    public static Call FromState(CallState state) => new(state.Id, state.OtherPeer, state.Room, state.Outgoing, state.ExpiresAt)
    {
        Accepted = state.Accepted,
        Delivered = state.Delivered,
        PendingInvite = state.PendingInvite,
        OtherSession = state.OtherSession,
        IgnoredSession = state.IgnoredSession,
        HolderSession = state.HolderSession,
    };
}
