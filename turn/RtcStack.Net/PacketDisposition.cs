namespace RtcStack.Net;

/// <summary>What a handler did with a datagram or frame; the loops count each outcome.</summary>
public enum PacketDisposition
{
    /// <summary>Processed.</summary>
    Handled = 0,

    /// <summary>Well-formed but dropped (policy, unknown allocation, quota...).</summary>
    Dropped,

    /// <summary>Malformed: not STUN, not ChannelData, or failed to parse.</summary>
    Malformed,
}
