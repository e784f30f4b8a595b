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

    private int _delivering;

    /// <summary>Claims the right to try delivering <see cref="PendingInvite"/> now; false while another try runs.</summary>
    public bool TryBeginDelivery() => Interlocked.CompareExchange(ref _delivering, 1, 0) == 0;

    public void EndDelivery() => Volatile.Write(ref _delivering, 0);

    public CallState ToState() => new()
    {
        Id = Id,
        OtherPeer = OtherPeer,
        Room = Room,
        Outgoing = Outgoing,
        ExpiresAt = ExpiresAt,
        Accepted = Accepted,
        Delivered = Delivered,
        PendingInvite = PendingInvite,
    };

    public static Call FromState(CallState state) => new(state.Id, state.OtherPeer, state.Room, state.Outgoing, state.ExpiresAt)
    {
        Accepted = state.Accepted,
        Delivered = state.Delivered,
        PendingInvite = state.PendingInvite,
    };
}
