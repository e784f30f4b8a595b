using System.Collections.Concurrent;
using RtcStack.Stun;

namespace RtcStack.Turn.Allocations;

/// <summary>
/// All allocations by 5-tuple, with the quotas (per user and total). Lookups by 5-tuple are lock-free
/// and allocate nothing (the relay hot path); adds, removals and quota counts take a lock. Expiry is
/// driven by <see cref="Sweep"/>, called by the server's timer with TimeProvider timestamps.
/// </summary>
internal sealed class AllocationTable(int userQuota, int totalQuota)
{
    private readonly ConcurrentDictionary<FiveTuple, Allocation> _byFiveTuple = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _reserved;

    /// <summary>Allocations in the table.</summary>
    internal int Count => _byFiveTuple.Count;

    internal IEnumerable<Allocation> All => _byFiveTuple.Values;

    internal bool TryGet(in FiveTuple fiveTuple, out Allocation allocation) =>
        _byFiveTuple.TryGetValue(fiveTuple, out allocation!);

    /// <summary>Reserves one allocation slot for <paramref name="user"/> if the quotas allow it.</summary>
    internal QuotaResult TryReserve(string user)
    {
        lock (_lock)
        {
            if (totalQuota > 0 && _reserved >= totalQuota)
            {
                return QuotaResult.TotalQuotaReached;
            }
            _perUser.TryGetValue(user, out int count);
            if (userQuota > 0 && count >= userQuota)
            {
                return QuotaResult.UserQuotaReached;
            }
            _perUser[user] = count + 1;
            _reserved++;
            return QuotaResult.Reserved;
        }
    }

    /// <summary>Gives back a reserved slot (the allocation was not made, or was removed).</summary>
    internal void Release(string user)
    {
        lock (_lock)
        {
            if (_perUser.TryGetValue(user, out int count))
            {
                if (count <= 1)
                {
                    _perUser.Remove(user);
                }
                else
                {
                    _perUser[user] = count - 1;
                }
                _reserved--;
            }
        }
    }

    /// <summary>Adds an allocation whose slot was reserved; false if the 5-tuple has one already.</summary>
    internal bool TryAdd(Allocation allocation) => _byFiveTuple.TryAdd(allocation.FiveTuple, allocation);

    /// <summary>Removes the allocation and releases its quota slot; false if it was gone already.</summary>
    internal bool Remove(Allocation allocation)
    {
        if (!_byFiveTuple.TryRemove(new KeyValuePair<FiveTuple, Allocation>(allocation.FiveTuple, allocation)))
        {
            return false;
        }
        Release(allocation.Info.QuotaUser);
        return true;
    }

    /// <summary>Allocations of one user (for tests and diagnostics).</summary>
    internal int CountForUser(string user)
    {
        lock (_lock)
        {
            return _perUser.GetValueOrDefault(user);
        }
    }

    /// <summary>
    /// Removes expired allocations (returned, so the caller closes their relays and logs) and
    /// sweeps the permissions and channels of the others.
    /// </summary>
    internal List<Allocation> Sweep(long now, long cooldownTicks)
    {
        var expired = new List<Allocation>();
        foreach (Allocation a in _byFiveTuple.Values)
        {
            if (now >= a.Expires)
            {
                if (Remove(a))
                {
                    expired.Add(a);
                }
            }
            else
            {
                a.Sweep(now, cooldownTicks);
            }
        }
        return expired;
    }
}
