namespace RtcStack.Signaling.Backplane;

/// <summary>A room a session is in, with the metadata it joined with.</summary>
public sealed record RoomMembership(string Room, string? MetaJson);
