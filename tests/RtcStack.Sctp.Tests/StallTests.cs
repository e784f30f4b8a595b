using System.Buffers.Binary;

namespace RtcStack.Sctp.Tests;

/// <summary>Receive-window corner cases that used to stall a reliable ordered channel for good.</summary>
public sealed class StallTests
{
    [Theory]
    [InlineData(1024 * 1024, 256 * 1024, 100)]
    [InlineData(128 * 1024, 32 * 1024, 40)]
    [InlineData(256 * 1024, 64 * 1024, 100)]
    public async Task Maximum_size_message_lost_under_a_full_receive_window_is_still_delivered(int window, int maxMessage, int small)
    {
        // The receiver's window fills with data above a lost maximum-size message. The message's
        // fragments then come back one by one as the next in-order TSN; with per-fragment bookkeeping
        // they cost more than the message size, and the receiver must still take all of them.
        await using var net = new SimulatedNetwork(11, o =>
        {
            o.ReceiveWindow = window;
            o.MaxReceiveMessageSize = maxMessage;
            o.MaxSendMessageSize = maxMessage;
        });
        var received = new List<int>();
        net.B.OnDataChannel += c => c.OnMessage += (_, m) => received.Add(m.Data.Length);
        DataChannel channel = net.A.CreateDataChannel("bulk");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromSeconds(30)));

        // Warm up so the congestion window opens to the peer's receive window.
        int warmUp = 3 * window / 8192;
        for (int i = 0; i < warmUp; i++)
        {
            Assert.Equal(DataChannelSendResult.Queued, channel.Send(new byte[8192]));
        }

        Assert.True(net.RunUntil(() => received.Count == warmUp, TimeSpan.FromMinutes(5)), $"warm-up: {received.Count}");
        received.Clear();

        // Packets led by a DATA chunk longer than 1000 bytes carry fragments of the big message: lose each
        // the first time, so the small messages sent behind it fill the receiver's window (their
        // per-chunk bookkeeping makes the receiver refuse some of them, which the sender repairs).
        var seen = new HashSet<uint>();
        net.Filter = (toB, p) => toB && p[12] == 0 && BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(14)) > 1000 && seen.Add(BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(16)));
        Assert.Equal(DataChannelSendResult.Queued, channel.Send(new byte[maxMessage]));
        int smallCount = 2 * window / small;
        for (int i = 0; i < smallCount; i++)
        {
            Assert.Equal(DataChannelSendResult.Queued, channel.Send(new byte[small]));
        }

        Assert.True(
            net.RunUntil(() => received.Count == smallCount + 1, TimeSpan.FromMinutes(10)),
            $"received {received.Count} of {smallCount + 1}; sender {net.A.State} {net.A.Statistics}; receiver {net.B.Statistics}");
        Assert.True(net.B.Statistics.ReceiveBufferDrops > 0, "the receive window never filled: the test lost its point");
        Assert.Equal(maxMessage, received[0]);
        Assert.All(received.Skip(1), n => Assert.Equal(small, n));
    }
}
