namespace RtcStack.Signaling;

/// <summary>A room name.</summary>
public readonly record struct RoomId(string Value)
{
    public override string ToString() => Value;
}
