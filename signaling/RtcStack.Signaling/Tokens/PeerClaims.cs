namespace RtcStack.Signaling.Tokens;

/// <summary>The verified content of a token.</summary>
public sealed record PeerClaims(string Subject, IReadOnlyList<string> Rooms, Permissions Permissions, DateTimeOffset ExpiresAt)
{
    /// <summary>True when the token lets its holder into <paramref name="room"/>.</summary>
    public bool AllowsRoom(string room) => Rooms.Contains("*") || Rooms.Contains(room);
}
