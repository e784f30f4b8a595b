using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace RtcStack.Server.Engine;

/// <summary>
/// Counters of the epoll engine (meter <c>RtcStack.Server</c>): <c>signaling.engine.wakeups</c> (epoll_wait returns with
/// events), <c>signaling.engine.events</c>, <c>signaling.engine.sends</c> (send() calls), <c>signaling.engine.receives_inline</c>
/// and <c>signaling.engine.receives_pooled</c> (hub receives completed on the engine thread or on the thread pool),
/// <c>signaling.engine.pauses</c> (coalescing pauses after a batch), <c>signaling.engine.close_lingers</c> (closes that
/// kept the descriptor until queued frames went out) and <c>signaling.engine.close_linger_aborts</c> (of those, cut off after
/// the close timeout), <c>signaling.engine.ring_submits</c>/<c>ring_sends</c>/<c>ring_failures</c> (io_uring send batches,
/// <see cref="SendRing"/>), and the gauge <c>signaling.engine.sockets</c>. Events per wake-up is the batching the engine achieves.
/// </summary>
internal sealed class EpollEngineMetrics
{
    private static readonly Meter s_meter = new("RtcStack.Server");
    private static readonly ConcurrentDictionary<EpollEngineMetrics, EpollEngine> s_live = new();
    // Process totals for the counters (an engine disposed in a test must not make a counter go backwards);
    // the per-instance values are for the tests and the gauge.
    private static long s_wakeups;
    private static long s_events;
    private static long s_sends;
    private static long s_inline;
    private static long s_pooled;
    private static long s_pauses;
    private static long s_lingers;
    private static long s_lingerAborts;
    private static long s_ringSubmits;
    private static long s_ringSends;
    private static long s_ringFailures;
    private long _wakeups;
    private long _events;
    private long _sends;
    private long _inline;
    private long _pooled;
    private long _pauses;
    private long _lingers;
    private long _lingerAborts;
    private long _ringSubmits;
    private long _ringSends;
    private long _ringFailures;

    static EpollEngineMetrics()
    {
        s_meter.CreateObservableCounter("signaling.engine.wakeups", () => Interlocked.Read(ref s_wakeups), description: "Times an epoll engine thread woke up with events.");
        s_meter.CreateObservableCounter("signaling.engine.events", () => Interlocked.Read(ref s_events), description: "Socket events the epoll engine handled.");
        s_meter.CreateObservableCounter("signaling.engine.sends", () => Interlocked.Read(ref s_sends), description: "Out-buffer flushes of the epoll engine (one send() each, more when the kernel takes only part).");
        s_meter.CreateObservableCounter("signaling.engine.receives_inline", () => Interlocked.Read(ref s_inline), description: "Hub receives completed on an engine thread (relay frames).");
        s_meter.CreateObservableCounter("signaling.engine.receives_pooled", () => Interlocked.Read(ref s_pooled), description: "Hub receives completed on the thread pool.");
        s_meter.CreateObservableCounter("signaling.engine.pauses", () => Interlocked.Read(ref s_pauses), description: "Wake-up coalescing pauses the epoll engine took after a batch.");
        s_meter.CreateObservableCounter("signaling.engine.close_lingers", () => Interlocked.Read(ref s_lingers), description: "Closes of the epoll engine that kept the descriptor until the queued frames went out.");
        s_meter.CreateObservableCounter("signaling.engine.close_linger_aborts", () => Interlocked.Read(ref s_lingerAborts), description: "Lingering closes cut off after the close timeout (the client did not read).");
        s_meter.CreateObservableCounter("signaling.engine.ring_submits", () => Interlocked.Read(ref s_ringSubmits), description: "io_uring submissions of the epoll engine (one per flush of two or more sockets).");
        s_meter.CreateObservableCounter("signaling.engine.ring_sends", () => Interlocked.Read(ref s_ringSends), description: "Socket sends the epoll engine made through io_uring.");
        s_meter.CreateObservableCounter("signaling.engine.ring_failures", () => Interlocked.Read(ref s_ringFailures), description: "io_uring submissions that failed as a whole (those sockets were sent with send()).");
        s_meter.CreateObservableGauge("signaling.engine.sockets", () => s_live.Values.Sum(e => (long)e.Count), description: "Sockets the epoll engine holds (handshaking or open).");
    }

    public EpollEngineMetrics(EpollEngine engine) => s_live[this] = engine;

    public long Wakeups => Interlocked.Read(ref _wakeups);

    public long Events => Interlocked.Read(ref _events);

    public long Sends => Interlocked.Read(ref _sends);

    public long ReceivesInline => Interlocked.Read(ref _inline);

    public long ReceivesPooled => Interlocked.Read(ref _pooled);

    public long Pauses => Interlocked.Read(ref _pauses);

    public long CloseLingers => Interlocked.Read(ref _lingers);

    public long CloseLingerAborts => Interlocked.Read(ref _lingerAborts);

    public long RingSubmits => Interlocked.Read(ref _ringSubmits);

    public long RingSends => Interlocked.Read(ref _ringSends);

    public long RingFailures => Interlocked.Read(ref _ringFailures);

    public void Batch(int events)
    {
        Interlocked.Increment(ref _wakeups);
        Interlocked.Add(ref _events, events);
        Interlocked.Increment(ref s_wakeups);
        Interlocked.Add(ref s_events, events);
    }

    public void Sent()
    {
        Interlocked.Increment(ref _sends);
        Interlocked.Increment(ref s_sends);
    }

    public void Received(bool inline)
    {
        Interlocked.Increment(ref inline ? ref _inline : ref _pooled);
        Interlocked.Increment(ref inline ? ref s_inline : ref s_pooled);
    }

    public void Paused()
    {
        Interlocked.Increment(ref _pauses);
        Interlocked.Increment(ref s_pauses);
    }

    public void Lingered(bool aborted)
    {
        Interlocked.Increment(ref aborted ? ref _lingerAborts : ref _lingers);
        Interlocked.Increment(ref aborted ? ref s_lingerAborts : ref s_lingers);
    }

    public void RingSubmitted(int sends, bool ok)
    {
        if (!ok)
        {
            Interlocked.Increment(ref _ringFailures);
            Interlocked.Increment(ref s_ringFailures);
            return;
        }
        Interlocked.Increment(ref _ringSubmits);
        Interlocked.Add(ref _ringSends, sends);
        Interlocked.Increment(ref s_ringSubmits);
        Interlocked.Add(ref s_ringSends, sends);
    }

    public void Remove() => s_live.TryRemove(this, out _);
}
