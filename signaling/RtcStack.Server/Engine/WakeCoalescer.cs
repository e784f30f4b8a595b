using System.Diagnostics;

namespace RtcStack.Server.Engine;

/// <summary>
/// Wake-up coalescing for one engine loop (<c>Server:EpollCoalesceMicroseconds</c>): while the loop sees at least
/// <c>Server:EpollCoalesceMinEventsPerSecond</c> socket events per second, it pauses after a batch until
/// <see cref="IntervalNanoseconds"/> have passed since the wake-up that started the batch, so the next wake-up serves
/// every socket that became readable meanwhile (one sleep and one <c>epoll_wait</c> for many messages, and the
/// batch's sends leave together). Below that rate (an idle or light server) it does not pause, so a lone message is
/// answered at once. The pause is taken after the batch's sends were flushed, never before; it is at most the
/// interval (plus the kernel's timer slack) and only what remains of it after the batch's own work.
/// </summary>
/// <remarks>
/// Why a sleep and not an <c>epoll_wait</c> timeout (or <c>epoll_pwait2</c>'s nanosecond one): a waiting
/// <c>epoll_wait</c> returns at the first event, which is the wake-up per message this avoids; while the thread
/// sleeps, an arriving message only marks its socket ready (the sender pays no wake-up either). Commands from other
/// threads (a new socket, a close) wait at most one interval. The rate is measured over windows of
/// <see cref="RateWindowNanoseconds"/>, so coalescing starts and stops within about that long of a change of load;
/// it stops only below half the threshold (hysteresis: coalescing reduces the number of events it counts). A burst of
/// events within one window (as at session set-up) turns it on for the next window even on a lightly loaded server.
/// </remarks>
internal sealed class WakeCoalescer
{
    /// <summary>Length of a rate measurement window.</summary>
    public const long RateWindowNanoseconds = 10_000_000;

    /// <summary>Remaining pauses shorter than this are not taken (a timer costs more than it saves).</summary>
    public const long MinPauseNanoseconds = 20_000;

    private readonly long _interval;
    private readonly long _rateWindow;
    private readonly long _minPause;
    private readonly long _minEventsPerSecond;
    private long _windowStart;
    private long _windowEvents;
    private bool _started;

    /// <param name="intervalMicroseconds">The coalescing interval; 0 turns coalescing off.</param>
    /// <param name="minEventsPerSecond">The event rate from which the loop coalesces; 0 = always.</param>
    public WakeCoalescer(int intervalMicroseconds, int minEventsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intervalMicroseconds);
        ArgumentOutOfRangeException.ThrowIfNegative(minEventsPerSecond);
        _interval = TicksFromNanoseconds(intervalMicroseconds * 1000L);
        _rateWindow = TicksFromNanoseconds(RateWindowNanoseconds);
        _minPause = TicksFromNanoseconds(MinPauseNanoseconds);
        _minEventsPerSecond = minEventsPerSecond;
    }

    /// <summary>The interval in nanoseconds (0 = off).</summary>
    public long IntervalNanoseconds => NanosecondsFromTicks(_interval);

    public bool Enabled => _interval > 0;

    /// <summary>The last measured rate was at or above the threshold: batches are followed by a pause.</summary>
    public bool Active { get; private set; }

    /// <summary>
    /// <c>epoll_wait</c> returned <paramref name="events"/> events at <paramref name="now"/> (a <see cref="Stopwatch"/>
    /// timestamp). Closes the rate window when it is over.
    /// </summary>
    public void OnWake(long now, int events)
    {
        if (!Enabled)
        {
            return;
        }
        if (!_started)
        {
            _started = true;
            _windowStart = now;
            Active = _minEventsPerSecond == 0;
        }
        _windowEvents += events;
        long elapsed = now - _windowStart;
        if (elapsed >= _rateWindow)
        {
            // events / (elapsed / frequency) >= min, without a division. Hysteresis: once active, it stays so down to
            // half the threshold, as coalescing itself lowers the event count (one busy edge-triggered socket gives
            // at most one event per pause), which would otherwise switch it off and on every other window.
            double threshold = Active ? _minEventsPerSecond / 2.0 : _minEventsPerSecond;
            Active = (double)_windowEvents * Stopwatch.Frequency >= threshold * elapsed;
            _windowStart = now;
            _windowEvents = 0;
        }
    }

    /// <summary>
    /// After a batch that started with the wake-up at <paramref name="wake"/> was handled and flushed, at
    /// <paramref name="now"/>: how long to pause before waiting again, in nanoseconds (0 = wait at once). Never more
    /// than <see cref="IntervalNanoseconds"/>.
    /// </summary>
    public long PauseNanoseconds(long wake, long now)
    {
        if (!Enabled || !Active)
        {
            return 0;
        }
        long remaining = wake + _interval - now;
        if (remaining < _minPause)
        {
            return 0;
        }
        return NanosecondsFromTicks(Math.Min(remaining, _interval));
    }

    private static long TicksFromNanoseconds(long ns) =>
        Stopwatch.Frequency == 1_000_000_000 ? ns : (long)(ns * (Stopwatch.Frequency / 1e9));

    private static long NanosecondsFromTicks(long ticks) =>
        Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
}
