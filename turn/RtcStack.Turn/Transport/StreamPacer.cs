namespace RtcStack.Turn.Transport;

/// <summary>
/// The per-allocation bandwidth cap (coturn max-bps: bytes per second, burst one second's worth) for one direction
/// of an RFC 6062 TCP allocation, shared by all its data connections. A stream cannot drop bytes, so instead of
/// refusing it paces: <see cref="Take"/> debits what was just read and says how long to wait before reading more,
/// which holds the sender back through TCP flow control.
/// </summary>
internal sealed class StreamPacer(long bytesPerSecond, TimeProvider time)
{
    private readonly Lock _lock = new();
    private double _tokens = bytesPerSecond;
    private long _stamp = time.GetTimestamp();

    /// <summary>Debits <paramref name="bytes"/>; the pause before the next read (zero while within the rate).</summary>
    internal TimeSpan Take(int bytes)
    {
        lock (_lock)
        {
            long now = time.GetTimestamp();
            double elapsed = (double)(now - _stamp) / time.TimestampFrequency;
            _stamp = now;
            _tokens = Math.Min(bytesPerSecond, _tokens + (elapsed * bytesPerSecond)) - bytes;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / bytesPerSecond);
        }
    }

    /// <summary>Waits as <see cref="Take"/> says (completed at once within the rate).</summary>
    internal Task PaceAsync(int bytes)
    {
        TimeSpan wait = Take(bytes);
        return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, time);
    }
}
