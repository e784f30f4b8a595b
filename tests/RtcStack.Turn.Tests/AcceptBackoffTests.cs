using System.Net.Sockets;
using RtcStack.Net;

namespace RtcStack.Turn.Tests;

public sealed class AcceptBackoffTests
{
    [Fact]
    public void A_peer_reset_is_retried_at_once_without_a_warning()
    {
        var backoff = new AcceptBackoff(new ManualTime());
        TimeSpan delay = backoff.OnFailure(new SocketException((int)SocketError.ConnectionReset), out long report);
        Assert.Equal(TimeSpan.Zero, delay);
        Assert.Equal(0, report);
    }

    [Theory]
    [InlineData(SocketError.TooManyOpenSockets)]
    [InlineData(SocketError.NoBufferSpaceAvailable)]
    public void Running_out_of_descriptors_backs_off_up_to_a_second_and_warns_once_per_interval(SocketError error)
    {
        var time = new ManualTime();
        var backoff = new AcceptBackoff(time);
        var exhausted = new SocketException((int)error);

        Assert.Equal(TimeSpan.FromMilliseconds(10), backoff.OnFailure(exhausted, out long first));
        Assert.Equal(1, first);
        var delays = new List<TimeSpan>();
        for (int i = 0; i < 10; i++)
        {
            delays.Add(backoff.OnFailure(exhausted, out long again));
            Assert.Equal(0, again);
        }
        Assert.Equal(TimeSpan.FromMilliseconds(20), delays[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(640), delays[5]);
        Assert.Equal(TimeSpan.FromSeconds(1), delays[^1]);

        time.Advance(AcceptBackoff.LogInterval);
        backoff.OnFailure(exhausted, out long later);
        Assert.Equal(11, later); // the ten unreported ones and this one

        backoff.OnSuccess();
        Assert.Equal(TimeSpan.FromMilliseconds(10), backoff.OnFailure(exhausted, out _));
    }
}
