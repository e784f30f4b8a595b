namespace RtcStack.Signaling;

/// <summary>A peer's identity: the token's <c>sub</c>.</summary>
public readonly record struct PeerId(string Value)
{
    public override string ToString() => Value;
}
