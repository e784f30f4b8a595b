using System.Net;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Limits;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

public sealed class LimitTests
{
    [Fact]
    public void Token_bucket_allows_the_burst_then_the_rate()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(rate: 10, burst: 5, time);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(bucket.TryTake());
        }
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromSeconds(60));
        for (int i = 0; i < 5; i++)
        {
            Assert.True(bucket.TryTake());
        }
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void Connection_limiter_counts_per_address()
    {
        var limiter = new ConnectionLimiter(2);
        IPAddress a = IPAddress.Parse("10.0.0.1"), b = IPAddress.Parse("10.0.0.2");
        Assert.True(limiter.TryAcquire(a));
        Assert.True(limiter.TryAcquire(a));
        Assert.False(limiter.TryAcquire(a));
        Assert.True(limiter.TryAcquire(b));
        limiter.Release(a);
        Assert.True(limiter.TryAcquire(a));
    }

    [Fact]
    public void Replay_buffer_keeps_order_and_reports_overflow()
    {
        var buffer = new ReplayBuffer(3);
        for (long seq = 1; seq <= 5; seq++)
        {
            buffer.Add(seq, [(byte)seq]);
        }
        Assert.Equal(2, buffer.DroppedUpTo);
        Assert.True(buffer.CanReplayFrom(2));
        Assert.True(buffer.CanReplayFrom(5));
        Assert.False(buffer.CanReplayFrom(1));
        Assert.Equal([3L, 4L, 5L], buffer.After(2).Select(f => f.Seq));
        Assert.Equal([5L], buffer.After(4).Select(f => f.Seq));
        Assert.Empty(buffer.After(5));
    }

    [Fact]
    public void Acknowledged_frames_are_freed_and_cannot_be_replayed()
    {
        var buffer = new ReplayBuffer(10);
        for (long seq = 1; seq <= 5; seq++)
        {
            buffer.Add(seq, [(byte)seq]);
        }
        buffer.Acknowledge(3);
        Assert.Equal(2, buffer.Count);
        Assert.True(buffer.CanReplayFrom(3));
        Assert.False(buffer.CanReplayFrom(2));
        Assert.Equal([4L, 5L], buffer.After(3).Select(f => f.Seq));
    }
}
