namespace RtcStack.Net;

/// <summary>
/// Counts a recurring condition (an accept that had to wait, one that failed) and says when to report it: at most
/// once per interval, with how many times it happened since the previous report. Thread-safe.
/// </summary>
public sealed class ReportInterval(TimeSpan interval, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _count;
    private long _countAtLastReport;
    private long _lastReport = long.MinValue;

    /// <summary>How many times the condition happened in all.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>
    /// Counts one occurrence; true when a report is due, with the occurrences since the previous report (this one
    /// included) in <paramref name="sinceLastReport"/>.
    /// </summary>
    public bool Occurred(out long sinceLastReport)
    {
        sinceLastReport = 0;
        long count = Interlocked.Increment(ref _count);
        long now = _time.GetTimestamp();
        long last = Interlocked.Read(ref _lastReport);
        if (last != long.MinValue && _time.GetElapsedTime(last, now) < interval)
        {
            return false;
        }
        if (Interlocked.CompareExchange(ref _lastReport, now, last) != last)
        {
            return false;
        }
        sinceLastReport = count - Interlocked.Exchange(ref _countAtLastReport, count);
        return true;
    }
}
