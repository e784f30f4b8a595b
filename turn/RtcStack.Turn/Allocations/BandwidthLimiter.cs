namespace RtcStack.Turn.Allocations;

/// <summary>
/// Token bucket in bytes for one direction of one allocation (coturn max-bps semantics: bytes per second,
/// burst one second's worth). Each direction has a single writer (one receive loop), so no locks.
/// </summary>
internal sealed class BandwidthLimiter(long bytesPerSecond, long now)
{
    private double _tokens = bytesPerSecond;
    private long _stamp = now;

    /// <summary>True when <paramref name="bytes"/> may pass now; always true without a cap.</summary>
    internal bool TryConsume(int bytes, long now, long timestampFrequency)
    {
        if (bytesPerSecond <= 0)
        {
            return true;
        }
        double elapsed = (double)(now - _stamp) / timestampFrequency;
        _stamp = now;
        _tokens = Math.Min(bytesPerSecond, _tokens + (elapsed * bytesPerSecond));
        if (_tokens < bytes)
        {
            return false;
        }
        _tokens -= bytes;
        return true;
    }
}
