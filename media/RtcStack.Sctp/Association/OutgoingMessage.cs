namespace RtcStack.Sctp.Association;

/// <summary>
/// A user message waiting to be sent or in flight: fragmented lazily into DATA chunks as cwnd allows.
/// Partial-reliability limits (RFC 3758) travel with the message.
/// </summary>
internal sealed class OutgoingMessage
{
    public OutgoingMessage(ushort streamId, uint ppid, byte[] data, bool unordered, int? maxRetransmits, long? expiresAtMs, IBufferedAmountSink? owner)
    {
        StreamId = streamId;
        Ppid = ppid;
        Data = data;
        Unordered = unordered;
        MaxRetransmits = maxRetransmits;
        ExpiresAtMs = expiresAtMs;
        Owner = owner;
    }

    public ushort StreamId { get; }

    public uint Ppid { get; }

    public byte[] Data { get; }

    public bool Unordered { get; }

    public int? MaxRetransmits { get; }

    public long? ExpiresAtMs { get; }

    public IBufferedAmountSink? Owner { get; }

    public ushort Ssn { get; set; }

    /// <summary>Bytes already cut into chunks with a TSN.</summary>
    public int NextOffset { get; set; }

    public bool Abandoned { get; set; }

    public bool HasStarted => NextOffset > 0;

    public bool FullyFragmented => NextOffset >= Data.Length;

    public bool IsExpired(long nowMs) => ExpiresAtMs is long e && nowMs >= e;
}

/// <summary>Told when queued bytes leave the send buffer (for a data channel's bufferedAmount).</summary>
internal interface IBufferedAmountSink
{
    void OnBytesSent(int count);
}
