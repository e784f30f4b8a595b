namespace RtcStack.Signaling.Backplane;

/// <summary>
/// A session that is gone with its node (or did not answer a handover): see
/// <see cref="IBackplaneHandler.OnSessionsLostAsync"/>. <paramref name="SessionId"/> is null when the notice did not say
/// which session it was (a node of an older version wrote it): then every call with <paramref name="Peer"/> ends.
/// </summary>
public readonly record struct LostSession(PeerId Peer, string? SessionId);
