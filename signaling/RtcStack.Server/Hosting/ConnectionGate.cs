using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RtcStack.Net;

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
    private static readonly Meter s_meter = new(MeterName);
    private static readonly ConcurrentDictionary<ConnectionGate, byte> s_live = new();

    private readonly ConnectionSlots _slots;

    static ConnectionGate()
    {
        s_meter.CreateObservableGauge("connections.limit", () => s_live.Keys.Sum(g => (long)g.Limit), description: "Most sockets Kestrel holds open at once (Server:MaxConnections).");
        s_meter.CreateObservableGauge("connections.transport_open", () => s_live.Keys.Sum(g => g.Open), description: "Sockets Kestrel holds open (all endpoints, any protocol).");
        s_meter.CreateObservableCounter("connections.limit_reached", () => s_live.Keys.Sum(g => g.LimitReached), description: "Times a listener had to wait for a free connection slot before accepting.");
    }

    public ConnectionGate(int limit, ILogger logger, TimeProvider time)
    {
        _slots = new ConnectionSlots(limit, since => LimitReachedWarning(logger, limit, since), time);
        s_live[this] = 0;
    }

    public int Limit => _slots.Limit;

    /// <summary>Sockets currently open through this gate.</summary>
    public long Open => _slots.InUse;

    /// <summary>Times accept had to wait for a slot.</summary>
    public long LimitReached => _slots.LimitReached;

    /// <summary>Waits for a free slot; false when <paramref name="cancellationToken"/> ends the wait.</summary>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _slots.TakeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return true;
    }

    /// <summary>Gives back a slot taken by <see cref="WaitAsync"/> that has no connection (accept returned none).</summary>
    public void Return() => Release();

    /// <summary>A connection that held a slot was disposed (its socket closed).</summary>
    public void Release() => _slots.Return();

    public void Dispose()
    {
        s_live.TryRemove(this, out _);
        _slots.Dispose();
    }

    [LoggerMessage(1010, LogLevel.Warning, "Connection limit reached: {Limit} sockets open, new connections wait in the listen backlog ({Times} times since the last warning; Server:MaxConnections, docs/configuration.md)")]
    private static partial void LimitReachedWarning(ILogger logger, int limit, long times);
}
