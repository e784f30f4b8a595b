namespace RtcStack.Turn.Allocations;

/// <summary>Outcome of <see cref="AllocationTable.TryReserve"/>.</summary>
internal enum QuotaResult
{
    /// <summary>A slot was reserved; add the allocation or release the slot.</summary>
    Reserved,

    /// <summary>The user has user-quota allocations already: 486 Allocation Quota Reached.</summary>
    UserQuotaReached,

    /// <summary>The server has total-quota allocations already: 486 as well (RFC 8656 §7.2 step 10).</summary>
    TotalQuotaReached,
}
