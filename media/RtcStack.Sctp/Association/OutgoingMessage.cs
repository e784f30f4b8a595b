namespace RtcStack.Sctp.Association;

/// <summary>
/// A user message waiting to be sent or in flight: fragmented lazily into DATA chunks as cwnd allows.
/// Partial-reliability limits (RFC 3758) travel with the message.
/// </summary>
internal sealed class OutgoingMessage
{
    private bool _released;

    /// <param name="length">Bytes of <paramref name="data"/> in use; -1 for all of it.</param>
    /// <param name="pooled">True when <paramref name="data"/> was rented from ArrayPool and is returned once no chunk needs it.</param>
    public OutgoingMessage(ushort streamId, uint ppid, byte[] data, bool unordered, int? maxRetransmits, long? expiresAtMs, IBufferedAmountSink? owner, int length = -1, bool pooled = false)
    {
        Length = length < 0 ? data.Length : length;
        Pooled = pooled;
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

    public int Length { get; }

    public bool Pooled { get; }

    /// <summary>Chunks of this message still held by the retransmission queue.</summary>
    public int ChunksOutstanding { get; set; }

    /// <summary>Dropped from the send queue unfinished (abandoned or expired).</summary>
    public bool Removed { get; set; }

    public bool Unordered { get; }

    public int? MaxRetransmits { get; }

    public long? ExpiresAtMs { get; }

    public IBufferedAmountSink? Owner { get; }

    public ushort Ssn { get; set; }

    /// <summary>Bytes already cut into chunks with a TSN.</summary>
    public int NextOffset { get; set; }

    public bool Abandoned { get; set; }

    public bool HasStarted => NextOffset > 0;

    public bool FullyFragmented => NextOffset >= Length;

    /// <summary>Returns a pooled buffer once nothing can read it again: every fragment cut (or the rest
    /// dropped) and no chunk left in the retransmission queue.</summary>
    public void TryRelease()
    {
        if (Pooled && !_released && ChunksOutstanding == 0 && (FullyFragmented || Removed))
        {
            _released = true;
            System.Buffers.ArrayPool<byte>.Shared.Return(Data);
        }
    }

    public bool IsExpired(long nowMs) => ExpiresAtMs is long e && nowMs >= e;
}

/// <summary>Told when queued bytes leave the send buffer (for a data channel's bufferedAmount).</summary>
internal interface IBufferedAmountSink
{
    void OnBytesSent(int count);
}
