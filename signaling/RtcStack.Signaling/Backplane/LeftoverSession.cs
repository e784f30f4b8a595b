namespace RtcStack.Signaling.Backplane;

/// <summary>
/// A session this node still held for <paramref name="Peer"/> when it reached the shared store again after an outage,
/// while another node owned the peer (it resumed there): see <see cref="IBackplaneHandler.OnSessionsTakenOverAsync"/>.
/// </summary>
public readonly record struct LeftoverSession(PeerId Peer, string SessionId);
