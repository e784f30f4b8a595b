namespace RtcStack.Sctp.Tests;

/// <summary>Virtual time: timers fire synchronously, in due order, only when the test advances the clock.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private long _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public TimeSpan Elapsed => TimeSpan.FromTicks(_now);

    public override long GetTimestamp() => _now;

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(_now);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Time until the earliest armed timer, or null.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            long? min = null;
            foreach (ManualTimer t in _timers)
            {
                if (t.DueAt is long d && (min is null || d < min))
                {
                    min = d;
                }
            }

            return min is long m ? TimeSpan.FromTicks(Math.Max(0, m - _now)) : null;
        }
    }

    public void Advance(TimeSpan delta)
    {
        long target = _now + delta.Ticks;
        while (true)
        {
            ManualTimer? next = null;
            foreach (ManualTimer t in _timers)
            {
                if (t.DueAt is long d && d <= target && (next is null || d < next.DueAt))
                {
                    next = t;
                }
            }

            if (next is null)
            {
                break;
            }

            _now = Math.Max(_now, next.DueAt!.Value);
            next.Fire();
        }

        _now = target;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private long _period;

        public long? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + Math.Max(0, dueTime.Ticks);
            _period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            return true;
        }

        public void Fire()
        {
            DueAt = _period > 0 ? DueAt + _period : null;
            callback(state);
        }

        public void Dispose()
        {
            DueAt = null;
            owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
