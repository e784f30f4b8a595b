namespace RtcStack.Turn.Tests.Tcp;

/// <summary>A clock that moves only when told to; its one-shot timers fire when <see cref="Advance"/> passes their due time.</summary>
internal sealed class SteppedTime : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<Timer> _timers = [];
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    private long _ticks;

    /// <summary>How far the clock has been moved.</summary>
    internal TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref _ticks));

    public override DateTimeOffset GetUtcNow() => _start + Elapsed;

    public override long GetTimestamp() => Volatile.Read(ref _ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    internal void Advance(TimeSpan by)
    {
        List<Timer> due;
        lock (_lock)
        {
            _ticks += by.Ticks;
            due = _timers.FindAll(t => t.Due <= _ticks);
            _timers.RemoveAll(t => t.Due <= _ticks);
        }
        foreach (Timer t in due)
        {
            t.Fire();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class Timer(SteppedTime owner, TimerCallback callback, object? state) : ITimer
    {
        internal long Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    Due = owner._ticks + dueTime.Ticks;
                    owner._timers.Add(this);
                }
            }
            return true;
        }

        internal void Fire() => callback(state);

        public void Dispose() => Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
