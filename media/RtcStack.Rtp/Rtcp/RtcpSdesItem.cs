namespace RtcStack.Rtp.Rtcp;

/// <summary>One SDES item with the SSRC/CSRC of its chunk (RFC 3550 §6.5).</summary>
public readonly ref struct RtcpSdesItem
{
    internal RtcpSdesItem(uint ssrc, RtcpSdesItemType type, ReadOnlySpan<byte> value)
    {
        Ssrc = ssrc;
        Type = type;
        Value = value;
    }

    /// <summary>SSRC or CSRC of the chunk.</summary>
    public uint Ssrc { get; }

    /// <summary>Item type.</summary>
    public RtcpSdesItemType Type { get; }

    /// <summary>UTF-8 text.</summary>
    public ReadOnlySpan<byte> Value { get; }
}
