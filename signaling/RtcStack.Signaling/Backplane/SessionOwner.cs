namespace RtcStack.Signaling.Backplane;

/// <summary>Which node holds a peer's session, and which session it is.</summary>
public sealed record SessionOwner(string NodeId, string SessionId);
