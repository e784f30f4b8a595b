using System.Net;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Diagnostics;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The bound on TCP and TLS client connections open at once, shared by every stream listener of a server
/// (<see cref="TurnOptions.MaxStreamConnections"/>). A listener takes a slot before it accepts, so at the bound
/// new connections wait in the kernel's listen backlog and use no file descriptor; the slot comes back when the
/// connection ends. Reaching the bound is logged at most once per <see cref="RtcStack.Net.AcceptBackoff.LogInterval"/>.
/// </summary>
internal sealed class StreamSlots(int limit, ILogger logger, TimeProvider? time = null)
{
    /// <summary>Descriptors left for the runtime (it opens files to load code), logs and relay-socket growth.</summary>
    internal const int Reserve = 512;

    /// <summary>The automatic bound never goes below this, whatever the open-file limit.</summary>
    internal const int Minimum = 64;

    private readonly SemaphoreSlim _free = new(limit, limit);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _lastLog = long.MinValue;

    internal int Capacity => limit;

    /// <summary>Connections holding a slot now.</summary>
    internal int InUse => limit - _free.CurrentCount;

    /// <summary>
    /// The bound for <paramref name="configured"/> (0 = automatic) and the open-file soft limit: half of what the
    /// limit leaves after <see cref="Reserve"/>, since a client usually holds an allocation's relay socket too.
    /// </summary>
    internal static int Limit(int configured, long? softLimit)
    {
        if (configured > 0)
        {
            return configured;
        }
        if (softLimit is not long soft)
        {
            return 20_000;
        }
        return (int)Math.Clamp((soft - Reserve) / 2, Minimum, 1_000_000);
    }

    /// <summary>Waits for a free slot (logging, rate-limited, when none is free).</summary>
    internal async ValueTask TakeAsync(IPEndPoint listener, CancellationToken token)
    {
        if (_free.Wait(0, CancellationToken.None))
        {
            return;
        }
        long now = _time.GetTimestamp();
        if (_lastLog == long.MinValue || _time.GetElapsedTime(_lastLog, now) >= RtcStack.Net.AcceptBackoff.LogInterval)
        {
            _lastLog = now;
            TurnLog.StreamConnectionsAtLimit(logger, listener.ToString(), limit);
        }
        await _free.WaitAsync(token).ConfigureAwait(false);
    }

    internal void Return() => _free.Release();
}
