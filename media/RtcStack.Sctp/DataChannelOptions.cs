namespace RtcStack.Sctp;

/// <summary>How to open a data channel (W3C RTCDataChannelInit, RFC 8831 §6.1).</summary>
public sealed class DataChannelOptions
{
    /// <summary>In-order delivery. Default true.</summary>
    public bool Ordered { get; set; } = true;

    /// <summary>Partial reliability: retransmissions per message (RFC 3758). Default null (reliable).</summary>
    public int? MaxRetransmits { get; set; }

    /// <summary>Partial reliability: lifetime of each message. Default null (reliable). Not with MaxRetransmits.</summary>
    public TimeSpan? MaxPacketLifeTime { get; set; }

    /// <summary>Sub-protocol name sent in DATA_CHANNEL_OPEN. Default empty.</summary>
    public string Protocol { get; set; } = string.Empty;

    /// <summary>Agreed out of band: no DCEP, <see cref="Id"/> is required. Default false.</summary>
    public bool Negotiated { get; set; }

    /// <summary>Stream id; for non-negotiated channels default is the next free one of our parity.</summary>
    public ushort? Id { get; set; }

    /// <summary>DCEP priority (RFC 8832 §5.1). Default 256 (normal).</summary>
    public ushort Priority { get; set; } = 256;
}
