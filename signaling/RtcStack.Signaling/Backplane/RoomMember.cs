namespace RtcStack.Signaling.Backplane;

/// <summary>A room member: its peer id and display metadata (a JSON object as text, or null).</summary>
public sealed record RoomMember(string Peer, string? MetaJson);
