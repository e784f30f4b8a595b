using RtcStack.Stun;

namespace RtcStack.Turn;

/// <summary>
/// Responses to recent authenticated requests, keyed by 5-tuple and transaction ID, so a retransmitted
/// Allocate, Refresh, CreatePermission or ChannelBind gets the same answer instead of a second effect
/// (RFC 8489 §6.3.1: a server SHOULD remember the response for 40 s). Bounded by <see cref="Capacity"/>:
/// expired entries go first; when still full the response is simply not remembered.
/// </summary>
internal sealed class TransactionCache
{
    internal const int Capacity = 50_000;
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(40);

    private readonly Dictionary<(FiveTuple Client, TransactionId TransactionId), Entry> _entries = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;

    internal TransactionCache(TimeProvider time) => _time = time;

    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The remembered response for this transaction, or false.</summary>
    internal bool TryGet(FiveTuple client, TransactionId transactionId, out ReadOnlyMemory<byte> response)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue((client, transactionId), out Entry e) && _time.GetTimestamp() < e.Expires)
            {
                response = e.Response;
                return true;
            }
        }
        response = default;
        return false;
    }

    /// <summary>Remembers a response (copied).</summary>
    internal void Add(FiveTuple client, TransactionId transactionId, ReadOnlySpan<byte> response)
    {
        long now = _time.GetTimestamp();
        long expires = now + (long)(Lifetime.TotalSeconds * _time.TimestampFrequency);
        lock (_lock)
        {
            if (_entries.Count >= Capacity)
            {
                SweepLocked(now);
                if (_entries.Count >= Capacity)
                {
                    return;
                }
            }
            _entries[(client, transactionId)] = new Entry(response.ToArray(), expires);
        }
    }

    /// <summary>Drops expired entries.</summary>
    internal void Sweep()
    {
        lock (_lock)
        {
            SweepLocked(_time.GetTimestamp());
        }
    }

    private void SweepLocked(long now)
    {
        foreach (var (key, e) in _entries)
        {
            if (now >= e.Expires)
            {
                _entries.Remove(key);
            }
        }
    }

    private readonly record struct Entry(byte[] Response, long Expires);
}
