using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

public sealed class AcceptThrottleTests
{
    [Fact]
    public void A_peer_reset_is_retried_at_once_without_a_warning()
    {
        var throttle = new AcceptThrottle(NullLogger.Instance, "test", new ManualTime());
        TimeSpan delay = throttle.OnFailure(new SocketException((int)SocketError.ConnectionReset), out bool warn);
        Assert.Equal(TimeSpan.Zero, delay);
        Assert.False(warn);
        Assert.Equal(0, throttle.Failures);
    }

    [Theory]
    [InlineData(SocketError.TooManyOpenSockets)]
    [InlineData(SocketError.NoBufferSpaceAvailable)]
    public void Running_out_of_descriptors_backs_off_up_to_a_second_and_warns_once_per_interval(SocketError error)
    {
        var time = new ManualTime();
        var throttle = new AcceptThrottle(NullLogger.Instance, "test", time);
        var exhausted = new SocketException((int)error);

        Assert.Equal(TimeSpan.FromMilliseconds(10), throttle.OnFailure(exhausted, out bool first));
        Assert.True(first);
        var delays = new List<TimeSpan>();
        for (int i = 0; i < 10; i++)
        {
            delays.Add(throttle.OnFailure(exhausted, out bool again));
            Assert.False(again);
        }
        Assert.Equal(TimeSpan.FromMilliseconds(20), delays[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(640), delays[5]);
        Assert.Equal(TimeSpan.FromSeconds(1), delays[^1]);
        Assert.Equal(11, throttle.Failures);

        time.Advance(AcceptThrottle.LogInterval);
        throttle.OnFailure(exhausted, out bool later);
        Assert.True(later);

        throttle.OnSuccess();
        Assert.Equal(TimeSpan.FromMilliseconds(10), throttle.OnFailure(exhausted, out _));
    }
}
