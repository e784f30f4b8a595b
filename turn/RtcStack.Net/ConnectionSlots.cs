namespace RtcStack.Net;

/// <summary>
/// A bound on connections open at once, taken before accept: at the bound a listener stops accepting, so new
/// connections wait in the kernel's listen backlog and hold no file descriptor, until a connection gives its slot
/// back. (Accepting and closing them instead fails in a loop once descriptors run out, and the .NET runtime, which
/// needs descriptors to load code, can then abort.) One instance may be shared by several listeners.
/// </summary>
public sealed class ConnectionSlots : IDisposable
{
    /// <summary>At most one <c>limitReached</c> call per this interval.</summary>
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _free;
    private readonly ReportInterval _waits;
    private readonly Action<long>? _limitReached;

    /// <param name="limit">Most connections holding a slot at once.</param>
    /// <param name="limitReached">Called when accept has to wait, at most once per <see cref="ReportEvery"/>, with the
    /// number of waits since the previous call (for a rate-limited warning).</param>
    /// <param name="time">The clock of the rate limit.</param>
    public ConnectionSlots(int limit, Action<long>? limitReached = null, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
        _free = new SemaphoreSlim(limit, limit);
        _waits = new ReportInterval(ReportEvery, time);
        _limitReached = limitReached;
    }

    public int Limit { get; }

    /// <summary>Slots taken now.</summary>
    public int InUse => Limit - _free.CurrentCount;

    /// <summary>Times a listener had to wait for a slot.</summary>
    public long LimitReached => _waits.Count;

    /// <summary>Takes a slot, waiting for one when none is free; true when it had to wait.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the wait.</exception>
    public async ValueTask<bool> TakeAsync(CancellationToken cancellationToken)
    {
        if (_free.Wait(0, CancellationToken.None))
        {
            return false;
        }
        if (_waits.Occurred(out long since))
        {
            _limitReached?.Invoke(since);
        }
        await _free.WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Gives a slot back (the connection closed, or accept returned none).</summary>
    public void Return()
    {
        try
        {
            _free.Release();
        }
        catch (ObjectDisposedException)
        {
            // A connection closed after its server (and these slots) was disposed: nothing left to bound.
        }
    }

    public void Dispose() => _free.Dispose();
}
