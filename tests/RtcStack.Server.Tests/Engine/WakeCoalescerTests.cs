using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcStack.Server.Engine;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// The engine loop's wake-up coalescing policy, on made-up timestamps (no clock, no timing assertions): off at 0, never
/// more than the interval, only what is left of it after the batch, only while the event rate is high.
/// </summary>
public sealed class WakeCoalescerTests
{
    private static readonly long Window = Ticks(WakeCoalescer.RateWindowNanoseconds);

    [Property]
    public Property With_the_interval_0_the_loop_never_pauses(NonNegativeInt minRate, PositiveInt[] gaps, PositiveInt[] events)
    {
        var coalescer = new WakeCoalescer(0, minRate.Get % 100_000);
        long now = 1;
        for (int i = 0; i < gaps.Length; i++)
        {
            now += gaps[i].Get;
            coalescer.OnWake(now, events.Length == 0 ? 1 : events[i % events.Length].Get);
            if (coalescer.PauseNanoseconds(now, now) != 0 || coalescer.Active)
            {
                return false.ToProperty();
            }
        }
        return (!coalescer.Enabled).ToProperty();
    }

    [Property]
    public Property A_pause_is_never_longer_than_the_interval_nor_than_what_is_left_of_it(
        PositiveInt intervalUs, NonNegativeInt minRate, (PositiveInt Gap, PositiveInt Events, NonNegativeInt Work)[] batches)
    {
        int interval = 1 + (intervalUs.Get % 10_000);
        var coalescer = new WakeCoalescer(interval, minRate.Get % 50_000);
        long intervalTicks = Ticks(interval * 1000L);
        long now = 1;
        foreach (var (gap, events, work) in batches)
        {
            now += gap.Get % (2 * Window);
            long wake = now;
            coalescer.OnWake(wake, 1 + (events.Get % 300));
            now += work.Get % (2 * intervalTicks); // the batch's own work
            long pause = coalescer.PauseNanoseconds(wake, now);
            long left = Nanoseconds(wake + intervalTicks - now);
            if (pause < 0 || pause > coalescer.IntervalNanoseconds || (pause > 0 && pause > left))
            {
                return false.Label($"pause {pause} ns, interval {coalescer.IntervalNanoseconds} ns, left {left} ns");
            }
            now += Ticks(pause);
        }
        return true.ToProperty();
    }

    [Fact]
    public void A_light_load_is_never_delayed()
    {
        // 500 events/s (one every 2 ms) against a threshold of 4000/s.
        var coalescer = new WakeCoalescer(250, 4000);
        long now = 1;
        for (int i = 0; i < 1000; i++)
        {
            now += Ticks(2_000_000);
            coalescer.OnWake(now, 1);
            Assert.Equal(0, coalescer.PauseNanoseconds(now, now + Ticks(10_000)));
        }
        Assert.False(coalescer.Active);
    }

    [Fact]
    public void A_high_rate_pauses_for_what_is_left_of_the_interval_then_an_idle_spell_stops_it()
    {
        var coalescer = new WakeCoalescer(250, 4000);
        long now = 1;
        // 10 events every 1 ms = 10,000/s: active once a rate window has been seen.
        for (int i = 0; i < 30; i++)
        {
            now += Ticks(1_000_000);
            coalescer.OnWake(now, 10);
        }
        Assert.True(coalescer.Active);
        Assert.InRange(coalescer.PauseNanoseconds(now, now + Ticks(50_000)), 199_000, 201_000); // 250 µs - 50 µs of work
        Assert.Equal(0, coalescer.PauseNanoseconds(now, now + Ticks(240_000))); // less than the minimum pause left
        Assert.Equal(0, coalescer.PauseNanoseconds(now, now + Ticks(900_000))); // the batch took longer than the interval

        // The server goes quiet for a second: the first wake-up after it closes a window with a low rate.
        now += Ticks(1_000_000_000);
        coalescer.OnWake(now, 1);
        Assert.False(coalescer.Active);
        Assert.Equal(0, coalescer.PauseNanoseconds(now, now));
    }

    [Fact]
    public void Once_active_it_stays_active_down_to_half_the_threshold()
    {
        var coalescer = new WakeCoalescer(250, 4000);
        long now = 1;
        for (int i = 0; i < 30; i++)
        {
            now += Ticks(1_000_000);
            coalescer.OnWake(now, 10);
        }
        Assert.True(coalescer.Active);
        // One busy socket while coalescing: one event per ~300 µs cycle = ~3,300/s, below the threshold.
        for (int i = 0; i < 200; i++)
        {
            now += Ticks(300_000);
            coalescer.OnWake(now, 1);
            Assert.True(coalescer.Active);
        }
        // 1,000/s: below half the threshold, it stops; and 3,300/s does not start it again.
        for (int i = 0; i < 30; i++)
        {
            now += Ticks(1_000_000);
            coalescer.OnWake(now, 1);
        }
        Assert.False(coalescer.Active);
        for (int i = 0; i < 200; i++)
        {
            now += Ticks(300_000);
            coalescer.OnWake(now, 1);
            Assert.False(coalescer.Active);
        }
    }

    [Fact]
    public void A_threshold_of_0_coalesces_from_the_first_batch()
    {
        var coalescer = new WakeCoalescer(1000, 0);
        coalescer.OnWake(5, 1);
        Assert.True(coalescer.Active);
        Assert.Equal(coalescer.IntervalNanoseconds, coalescer.PauseNanoseconds(5, 5));
    }

    private static long Ticks(long ns) => (long)(ns * (Stopwatch.Frequency / 1e9));

    private static long Nanoseconds(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));
}
