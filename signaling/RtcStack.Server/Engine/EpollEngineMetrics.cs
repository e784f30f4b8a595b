using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace RtcStack.Server.Engine;

/// <summary>
/// Counters of the epoll engine (meter <c>RtcStack.Server</c>): <c>signaling.engine.wakeups</c> (epoll_wait returns with
/// events), <c>signaling.engine.events</c>, <c>signaling.engine.sends</c> (send() calls), <c>signaling.engine.receives_inline</c>
/// and <c>signaling.engine.receives_pooled</c> (hub receives completed on the engine thread or on the thread pool),
/// and the gauge <c>signaling.engine.sockets</c>. Events per wake-up is the batching the engine achieves.
/// </summary>
internal sealed class EpollEngineMetrics
{
    private static readonly Meter s_meter = new("RtcStack.Server");
    private static readonly ConcurrentDictionary<EpollEngineMetrics, EpollEngine> s_live = new();
    private long _wakeups;
    private long _events;
    private long _sends;
    private long _inline;
    private long _pooled;

    static EpollEngineMetrics()
    {
        s_meter.CreateObservableCounter("signaling.engine.wakeups", () => s_live.Keys.Sum(m => m.Wakeups), description: "Times an epoll engine thread woke up with events.");
        s_meter.CreateObservableCounter("signaling.engine.events", () => s_live.Keys.Sum(m => m.Events), description: "Socket events the epoll engine handled.");
        s_meter.CreateObservableCounter("signaling.engine.sends", () => s_live.Keys.Sum(m => m.Sends), description: "Out-buffer flushes of the epoll engine (one send() each, more when the kernel takes only part).");
        s_meter.CreateObservableCounter("signaling.engine.receives_inline", () => s_live.Keys.Sum(m => m.ReceivesInline), description: "Hub receives completed on an engine thread (relay frames).");
        s_meter.CreateObservableCounter("signaling.engine.receives_pooled", () => s_live.Keys.Sum(m => m.ReceivesPooled), description: "Hub receives completed on the thread pool.");
        s_meter.CreateObservableGauge("signaling.engine.sockets", () => s_live.Values.Sum(e => (long)e.Count), description: "Sockets the epoll engine holds (handshaking or open).");
    }

    public EpollEngineMetrics(EpollEngine engine) => s_live[this] = engine;

    public long Wakeups => Interlocked.Read(ref _wakeups);

    public long Events => Interlocked.Read(ref _events);

    public long Sends => Interlocked.Read(ref _sends);

    public long ReceivesInline => Interlocked.Read(ref _inline);

    public long ReceivesPooled => Interlocked.Read(ref _pooled);

    public void Batch(int events)
    {
        Interlocked.Increment(ref _wakeups);
        Interlocked.Add(ref _events, events);
    }

    public void Sent() => Interlocked.Increment(ref _sends);

    public void Received(bool inline) => Interlocked.Increment(ref inline ? ref _inline : ref _pooled);

    public void Remove() => s_live.TryRemove(this, out _);
}
