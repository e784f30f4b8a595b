namespace RtcStack.Rtp;

/// <summary>One header extension element (RFC 8285 §4.2/§4.3).</summary>
public readonly ref struct RtpExtension
{
    internal RtpExtension(int id, ReadOnlySpan<byte> value, int valueOffset)
    {
        Id = id;
        Value = value;
        ValueOffset = valueOffset;
    }

    /// <summary>The local identifier, 1-14 (one-byte form) or 1-255 (two-byte form).</summary>
    public int Id { get; }

    /// <summary>The element data.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Offset of <see cref="Value"/> from the start of the RTP packet.</summary>
    public int ValueOffset { get; }
}
