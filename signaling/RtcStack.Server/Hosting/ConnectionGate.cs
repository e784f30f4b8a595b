using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace RtcStack.Server.Hosting;

/// <summary>
/// Bounds the sockets Kestrel holds open at once (every endpoint together) so that accept never runs the
/// process out of file descriptors: when <see cref="Limit"/> connections are open, the listeners stop
/// accepting (new connections wait in the kernel's listen backlog, holding no descriptor here) until one
/// closes. A Kestrel accept that fails with <c>EMFILE</c> is retried at once in a loop and ends with the
/// runtime aborting ("Out of memory.") when it cannot create a thread, so the limit has to be kept below the
/// open-file limit rather than reacted to. Meter <c>RtcStack.Server</c>: <c>connections.limit</c>,
/// <c>connections.transport_open</c> and <c>connections.limit_reached</c> (times accept had to wait).
/// </summary>
internal sealed partial class ConnectionGate : IDisposable
{
    public const string MeterName = "RtcStack.Server";
    private static readonly TimeSpan s_warnEvery = TimeSpan.FromSeconds(10);
    private static readonly Meter s_meter = new(MeterName);
    private static readonly ConcurrentDictionary<ConnectionGate, byte> s_live = new();

    private readonly SemaphoreSlim _slots;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _open;
    private long _limitReached;
    private long _lastWarning = long.MinValue;
    private long _reachedAtLastWarning;

    static ConnectionGate()
    {
        s_meter.CreateObservableGauge("connections.limit", () => s_live.Keys.Sum(g => (long)g.Limit), description: "Most sockets Kestrel holds open at once (Server:MaxConnections).");
        s_meter.CreateObservableGauge("connections.transport_open", () => s_live.Keys.Sum(g => Interlocked.Read(ref g._open)), description: "Sockets Kestrel holds open (all endpoints, any protocol).");
        s_meter.CreateObservableCounter("connections.limit_reached", () => s_live.Keys.Sum(g => Interlocked.Read(ref g._limitReached)), description: "Times a listener had to wait for a free connection slot before accepting.");
    }

    public ConnectionGate(int limit, ILogger logger, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
        _slots = new SemaphoreSlim(limit, limit);
        _logger = logger;
        _time = time;
        s_live[this] = 0;
    }

    public int Limit { get; }

    /// <summary>Sockets currently open through this gate.</summary>
    public long Open => Interlocked.Read(ref _open);

    /// <summary>Times accept had to wait for a slot.</summary>
    public long LimitReached => Interlocked.Read(ref _limitReached);

    /// <summary>Waits for a free slot; false when <paramref name="cancellationToken"/> ends the wait.</summary>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        if (!_slots.Wait(0, CancellationToken.None))
        {
            long reached = Interlocked.Increment(ref _limitReached);
            WarnRateLimited(reached);
            try
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        Interlocked.Increment(ref _open);
        return true;
    }

    /// <summary>Gives back a slot taken by <see cref="WaitAsync"/> that has no connection (accept returned none).</summary>
    public void Return() => Release();

    /// <summary>A connection that held a slot was disposed (its socket closed).</summary>
    public void Release()
    {
        Interlocked.Decrement(ref _open);
        try
        {
            _slots.Release();
        }
        catch (ObjectDisposedException)
        {
            // A connection disposed after the server (and its gate) was: nothing left to bound.
        }
    }

    public void Dispose()
    {
        s_live.TryRemove(this, out _);
        _slots.Dispose();
    }

    private void WarnRateLimited(long reached)
    {
        long now = _time.GetTimestamp();
        long last = Interlocked.Read(ref _lastWarning);
        if (last != long.MinValue && _time.GetElapsedTime(last, now) < s_warnEvery)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref _lastWarning, now, last) != last)
        {
            return;
        }
        long since = reached - Interlocked.Exchange(ref _reachedAtLastWarning, reached);
        LimitReachedWarning(_logger, Limit, since);
    }

    [LoggerMessage(1010, LogLevel.Warning, "Connection limit reached: {Limit} sockets open, new connections wait in the listen backlog ({Times} times since the last warning; Server:MaxConnections, docs/configuration.md)")]
    private static partial void LimitReachedWarning(ILogger logger, int limit, long times);
}
