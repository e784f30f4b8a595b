namespace RtcStack.Signaling.Backplane;

/// <summary>
/// A room membership the backplane removed because the session behind it is gone without leaving: its node died
/// (its liveness key expired) or did not answer a handover. The rooms have not been told yet.
/// </summary>
public sealed record LostMembership(RoomId Room, PeerId Peer);
