namespace RtcStack.Stun;

/// <summary>One attribute of a parsed message: its type and its value (without padding), a view into the message.</summary>
public readonly ref struct StunAttribute
{
    /// <summary>Creates a view.</summary>
    public StunAttribute(StunAttributeType type, ReadOnlySpan<byte> value)
    {
        Type = type;
        Value = value;
    }

    /// <summary>The attribute type.</summary>
    public StunAttributeType Type { get; }

    /// <summary>The value bytes, without padding.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>True when the type is below 0x8000, i.e. comprehension-required (RFC 8489 §14).</summary>
    public bool IsComprehensionRequired => (ushort)Type < 0x8000;
}
