namespace RtcStack.Sctp.Association;

/// <summary>A DATA chunk that has a TSN and is not yet covered by the peer's cumulative ack.</summary>
internal sealed class InflightChunk
{
    public InflightChunk(uint tsn, OutgoingMessage message, int offset, int length, byte flags)
    {
        Tsn = tsn;
        Message = message;
        Offset = offset;
        Length = length;
        Flags = flags;
    }

    public uint Tsn { get; }

    public OutgoingMessage Message { get; }

    public int Offset { get; }

    public int Length { get; }

    public byte Flags { get; }

    public ChunkState State { get; set; } = ChunkState.InFlight;

    public int Transmissions { get; set; }

    public long SentAtMs { get; set; }

    /// <summary>Miss indications from SACKs (RFC 9260 §7.2.4).</summary>
    public int MissIndications { get; set; }

    public bool FastRetransmitted { get; set; }

    public ReadOnlySpan<byte> Payload => Message.Data.AsSpan(Offset, Length);
}

/// <summary>Where an in-flight chunk stands.</summary>
internal enum ChunkState
{
    InFlight,
    GapAcked,
    ToRetransmit,
    Abandoned,
}
