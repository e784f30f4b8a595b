namespace RtcStack.Turn.Tests;

/// <summary>A clock the test moves by hand (timestamps in ticks of 1 µs; timers never fire).</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private long _timestamp = 1_000_000;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _timestamp;

    public override long TimestampFrequency => 1_000_000;

    public void Advance(TimeSpan by)
    {
        _now += by;
        _timestamp += (long)(by.TotalSeconds * TimestampFrequency);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NoTimer();

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
