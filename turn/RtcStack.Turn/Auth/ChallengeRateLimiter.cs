namespace RtcStack.Turn.Auth;

/// <summary>
/// Token bucket per source IP address for 401 challenges: a spoofed source cannot make the server
/// reflect more than the configured rate (burst twice that) at a victim. Memory is bounded: at most
/// <see cref="MaxSources"/> buckets; when full, idle buckets are dropped, and if none is idle new sources
/// share one overflow bucket.
/// </summary>
internal sealed class ChallengeRateLimiter
{
    internal const int MaxSources = 65536;

    private readonly Dictionary<UInt128, Bucket> _buckets = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private Bucket _overflow;

    internal ChallengeRateLimiter(TimeProvider time, int ratePerSecond)
    {
        _time = time;
        _ratePerSecond = ratePerSecond;
        _burst = ratePerSecond * 2.0;
        _overflow = new Bucket(_burst, time.GetTimestamp());
    }

    /// <summary>Takes one token for <paramref name="source"/>; false when the source is over its rate.</summary>
    internal bool TryAcquire(UInt128 source)
    {
        if (_ratePerSecond <= 0)
        {
            return true;
        }
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            if (!_buckets.TryGetValue(source, out Bucket bucket))
            {
                if (_buckets.Count >= MaxSources && !Prune(now))
                {
                    return Take(ref _overflow, now);
                }
                bucket = new Bucket(_burst, now);
            }
            bool ok = Take(ref bucket, now);
            _buckets[source] = bucket;
            return ok;
        }
    }

    internal int TrackedSources
    {
        get
        {
            lock (_lock)
            {
                return _buckets.Count;
            }
        }
    }

    private bool Take(ref Bucket bucket, long now)
    {
        double elapsed = _time.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
        bucket = new Bucket(Math.Min(_burst, bucket.Tokens + (elapsed * _ratePerSecond)), now);
        if (bucket.Tokens < 1)
        {
            return false;
        }
        bucket = bucket with { Tokens = bucket.Tokens - 1 };
        return true;
    }

    /// <summary>Drops buckets that have refilled completely (idle sources); true if room was made.</summary>
    private bool Prune(long now)
    {
        double refill = _burst / _ratePerSecond;
        foreach ((UInt128 key, Bucket b) in _buckets)
        {
            if (_time.GetElapsedTime(b.Stamp, now).TotalSeconds >= refill)
            {
                _buckets.Remove(key);
            }
        }
        return _buckets.Count < MaxSources;
    }

    private readonly record struct Bucket(double Tokens, long Stamp);
}
