namespace RtcStack.Sctp;

/// <summary>Counters of one association (a snapshot from <see cref="SctpAssociation.Statistics"/>).</summary>
public sealed record SctpStatistics
{
    public long PacketsReceived { get; set; }

    public long PacketsSent { get; set; }

    /// <summary>Packets dropped: bad checksum, bad chunk length, wrong port or verification tag.</summary>
    public long PacketsDropped { get; set; }

    /// <summary>Chunks dropped: malformed, unexpected in the current state, or unknown.</summary>
    public long ChunksDropped { get; set; }

    public long DataChunksReceived { get; set; }

    public long DuplicateTsns { get; set; }

    /// <summary>DATA chunks dropped because their TSN was outside the receive window.</summary>
    public long OutOfWindowTsns { get; set; }

    /// <summary>DATA chunks dropped for lack of receive buffer.</summary>
    public long ReceiveBufferDrops { get; set; }

    public long Retransmissions { get; set; }

    public long FastRetransmits { get; set; }

    public long T3Expirations { get; set; }

    public long ForwardTsnSent { get; set; }

    public long MessagesSent { get; set; }

    public long MessagesReceived { get; set; }

    /// <summary>Received messages dropped for exceeding MaxReceiveMessageSize.</summary>
    public long OversizedMessages { get; set; }

    /// <summary>Defects caught at the API boundary (each aborted the association); should stay 0.</summary>
    public long InternalErrors { get; set; }

    /// <summary>Messages abandoned by partial reliability before being sent.</summary>
    public long AbandonedMessages { get; set; }

    /// <summary>Snapshot: congestion window (cwnd) in bytes.</summary>
    public long CongestionWindow { get; set; }

    /// <summary>Snapshot: DATA payload bytes sent and not yet acknowledged (flight size).</summary>
    public long BytesInFlight { get; set; }

    /// <summary>Snapshot: the peer's receive window as last advertised, minus what was sent since.</summary>
    public long PeerReceiverWindow { get; set; }

    /// <summary>Snapshot: DATA chunks sent and awaiting acknowledgement (including those to retransmit).</summary>
    public long ChunksAwaitingAck { get; set; }

    /// <summary>Snapshot: current retransmission timeout in milliseconds.</summary>
    public long RtoMs { get; set; }

    /// <summary>Snapshot: bytes held for reassembly or in-order delivery (what a_rwnd subtracts).</summary>
    public long ReceiveBuffered { get; set; }

    /// <summary>Snapshot: messages queued and not yet cut into chunks (bytes).</summary>
    public long QueuedBytes { get; set; }
}
