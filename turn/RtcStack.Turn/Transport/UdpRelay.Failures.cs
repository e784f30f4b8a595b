using System.Net;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// A relay whose drain keeps throwing on a poller thread: its socket is level-triggered, so it would be reported again at
/// once and the thread would spin logging and starve the other sockets it serves. The pollers count consecutive failures;
/// the first of a run is logged, and at <see cref="MaxConsecutiveFailures"/> the poller takes the relay off its epoll set and
/// <see cref="Abandon"/> closes the allocation (logged once). Only the poller thread serving the relay touches the count.
/// </summary>
internal sealed partial class UdpRelay
{
    /// <summary>Drains in a row that throw before the relay is given up.</summary>
    internal const int MaxConsecutiveFailures = 8;

    private TurnState? _state;
    private int _failures;

    /// <summary>
    /// A poller thread serves this relay's epoll <paramref name="events"/> (readable, or an ICMP error queued): drains its
    /// socket into <paramref name="batch"/> and relays to the client through <paramref name="sends"/>. Never throws; true
    /// when the drain has failed <see cref="MaxConsecutiveFailures"/> times in a row (see <see cref="DrainFailed"/>): the
    /// caller unregisters the relay and calls <see cref="Abandon"/>.
    /// </summary>
    internal bool Serve(uint events, DatagramBatch batch, SendBatch sends, SocketAddress from, ILogger? logger)
    {
        try
        {
            if ((events & LinuxNative.EpollErr) != 0 && Icmp is { } icmp)
            {
                icmp.Drain(Socket); // RFC 8656 §11.5, opt-in (TurnOptions.ReportIcmp)
            }
            Drain(batch, sends, from);
            DrainSucceeded();
            return false;
        }
#pragma warning disable CA1031 // one bad datagram or relay must not stop the thread serving the others; it is logged
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return DrainFailed(ex, logger);
        }
    }

    /// <summary>A drain completed: the run of failures, if any, ends.</summary>
    internal void DrainSucceeded()
    {
        if (_failures != 0)
        {
            _failures = 0;
        }
    }

    /// <summary>
    /// A drain threw <paramref name="exception"/> (logged when it starts a run); true when the relay has failed
    /// <see cref="MaxConsecutiveFailures"/> times in a row: the caller unregisters it and calls <see cref="Abandon"/>.
    /// </summary>
    internal bool DrainFailed(Exception exception, ILogger? logger)
    {
        if (++_failures == 1 && logger is not null)
        {
            TurnLog.ReceiveLoopFailed(logger, exception, LocalAddress.ToString());
        }
        return _failures >= MaxConsecutiveFailures;
    }

    /// <summary>
    /// Gives up a relay that keeps failing (already taken off its poller): logs once and closes its allocation (removed from
    /// the server's table; the relay socket is closed with it). Never throws (a poller thread calls it).
    /// </summary>
    internal void Abandon(ILogger? logger)
    {
        try
        {
            if (logger is not null)
            {
                RelayAbandoned(logger, LocalAddress.ToString(), _failures);
            }
            if (_state is { } state && _allocation is { } allocation && state.Allocations.Remove(allocation))
            {
                _ = state.CloseAsync(allocation, "relay socket failing").AsTask();
            }
        }
#pragma warning disable CA1031 // a raw poller thread: an exception escaping it would end the process
        catch (Exception)
#pragma warning restore CA1031
        {
            // The relay is off the poller already; the allocation expires in its own time.
        }
    }

    [LoggerMessage(3060, LogLevel.Warning, "TURN relay {EndPoint} failed {Failures} times in a row: taken off its poller thread, allocation closed")]
    private static partial void RelayAbandoned(ILogger logger, string endPoint, int failures);
}
