using System.Buffers.Binary;

namespace RtcStack.Sctp.Tests;

public sealed class ChannelLifecycleTests
{
    [Fact]
    public async Task Unordered_channel_with_zero_retransmits_delivers_what_arrives_and_skips_losses_with_FORWARD_TSN()
    {
        await using var net = new SimulatedNetwork(11) { Loss = 0.1 };
        var got = new List<int>();
        var reliableGot = new List<string>();
        net.B.OnDataChannel += c => c.OnMessage += (ch, m) =>
        {
            if (ch.Label == "lossy")
            {
                int index = BinaryPrimitives.ReadInt32BigEndian(m.Data.Span);
                Assert.True(AssociationTests.Same(m.Data[4..], AssociationTests.Pattern(index, m.Data.Length - 4)));
                got.Add(index);
            }
            else
            {
                reliableGot.Add(m.Text);
            }
        };
        DataChannel lossy = net.A.CreateDataChannel("lossy", new DataChannelOptions { Ordered = false, MaxRetransmits = 0 });
        DataChannel reliable = net.A.CreateDataChannel("reliable");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => lossy.State == DataChannelState.Open && net.B.Statistics.MessagesReceived >= 0, TimeSpan.FromSeconds(30)));
        Assert.True(net.RunUntil(() => false, TimeSpan.FromSeconds(5)) is false); // let DCEP ACKs arrive
        var random = new Random(5);
        for (int i = 0; i < 400; i++)
        {
            int size = random.Next(1, 3000);
            byte[] message = new byte[4 + size];
            BinaryPrimitives.WriteInt32BigEndian(message, i);
            AssociationTests.Pattern(i, size).CopyTo(message, 4);
            Assert.Equal(DataChannelSendResult.Queued, lossy.Send(message));
        }

        reliable.Send("after");
        Assert.True(net.RunUntil(() => reliableGot.Count == 1, TimeSpan.FromMinutes(5)));
        net.RunUntil(() => false, TimeSpan.FromSeconds(20));
        Assert.Equal(got.Count, got.Distinct().Count());
        Assert.InRange(got.Count, 200, 399);
        SctpStatistics a = net.A.Statistics;
        Assert.True(a.ForwardTsnSent > 0);
        Assert.True(a.AbandonedMessages > 0);

        // Everything abandoned was skipped by the peer: a graceful shutdown can drain the send side.
        net.Loss = 0;
        net.A.Shutdown();
        Assert.True(net.RunUntil(() => net.A.State == SctpAssociationState.Closed && net.B.State == SctpAssociationState.Closed, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public async Task Timed_channel_abandons_expired_messages()
    {
        await using var net = new SimulatedNetwork(12);
        int received = 0;
        net.B.OnDataChannel += c => c.OnMessage += (_, _) => received++;
        DataChannel timed = net.A.CreateDataChannel("timed", new DataChannelOptions { MaxPacketLifeTime = TimeSpan.FromMilliseconds(100) });
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => timed.State == DataChannelState.Open, TimeSpan.FromSeconds(5)));
        net.RunUntil(() => false, TimeSpan.FromSeconds(1));
        net.Filter = (toB, p) => toB && p[12] == 0; // every DATA is lost for now
        timed.Send("gone");
        net.RunUntil(() => false, TimeSpan.FromSeconds(3));
        net.Filter = null;
        timed.Send("kept");
        Assert.True(net.RunUntil(() => received == 1, TimeSpan.FromSeconds(30)));
        net.RunUntil(() => false, TimeSpan.FromSeconds(5));
        Assert.Equal(1, received);
        Assert.True(net.A.Statistics.AbandonedMessages >= 1);
        Assert.True(net.A.Statistics.ForwardTsnSent >= 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Closing_a_channel_resets_both_streams_and_the_id_can_be_reused(bool closeOnOpener)
    {
        await using var net = new SimulatedNetwork(13);
        DataChannel? remote = null;
        var remoteMessages = new List<string>();
        net.B.OnDataChannel += c =>
        {
            remote = c;
            c.OnMessage += (_, m) => remoteMessages.Add(m.Text);
        };
        DataChannel local = net.A.CreateDataChannel("a");
        bool localClosed = false, remoteClosed = false;
        local.OnClose += _ => localClosed = true;
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => remote is not null, TimeSpan.FromSeconds(5)));
        remote!.OnClose += _ => remoteClosed = true;
        local.Send("1");
        local.Send("2");
        Assert.True(net.RunUntil(() => remoteMessages.Count == 2, TimeSpan.FromSeconds(5)));

        (closeOnOpener ? local : remote).Close();
        Assert.True(net.RunUntil(() => localClosed && remoteClosed, TimeSpan.FromSeconds(30)));
        Assert.Equal(DataChannelState.Closed, local.State);
        Assert.Equal(DataChannelState.Closed, remote.State);
        Assert.Equal(DataChannelSendResult.NotOpen, local.Send("late"));

        // Same stream id again: SSNs restarted at 0 on both sides, so ordered delivery continues.
        remote = null;
        DataChannel again = net.A.CreateDataChannel("b");
        Assert.Equal(local.Id, again.Id);
        Assert.True(net.RunUntil(() => remote is not null, TimeSpan.FromSeconds(5)));
        again.Send("3");
        Assert.True(net.RunUntil(() => remoteMessages.Count == 3, TimeSpan.FromSeconds(10)));
        Assert.Equal("3", remoteMessages[2]);
    }

    [Fact]
    public async Task Graceful_shutdown_delivers_queued_data_then_closes_both_sides_and_channels()
    {
        await using var net = new SimulatedNetwork(14);
        int received = 0;
        net.B.OnDataChannel += c => c.OnMessage += (_, _) => received++;
        DataChannel channel = net.A.CreateDataChannel("x");
        bool closed = false;
        channel.OnClose += _ => closed = true;
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromSeconds(5)));
        for (int i = 0; i < 20; i++)
        {
            channel.Send(new byte[5000]);
        }

        net.A.Shutdown();
        Assert.True(net.RunUntil(() => net.A.State == SctpAssociationState.Closed && net.B.State == SctpAssociationState.Closed, TimeSpan.FromMinutes(1)));
        Assert.Equal(20, received);
        Assert.True(closed);
    }

    [Fact]
    public async Task Abort_closes_the_peer_immediately()
    {
        await using var net = new SimulatedNetwork(15);
        Assert.True(net.Connect());
        net.A.Abort();
        Assert.Equal(SctpAssociationState.Closed, net.A.State);
        Assert.True(net.RunUntil(() => net.B.State == SctpAssociationState.Closed, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Unacknowledged_data_aborts_after_max_retransmissions_and_the_ABORT_reaches_the_peer()
    {
        await using var net = new SimulatedNetwork(17);
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromSeconds(5)));
        net.RunUntil(() => false, TimeSpan.FromSeconds(1));
        net.Filter = (toB, p) => toB && p[12] != 6; // nothing from A arrives but its ABORT
        channel.Send("lost forever");
        Assert.True(net.RunUntil(() => net.A.State == SctpAssociationState.Closed, TimeSpan.FromHours(2)));
        Assert.True(net.A.Statistics.T3Expirations > 3); // T3 and heartbeat misses share the error counter (§8.1)
        Assert.True(net.RunUntil(() => net.B.State == SctpAssociationState.Closed, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Silent_peer_is_detected_by_heartbeats_and_the_association_closes()
    {
        await using var net = new SimulatedNetwork(16, o => o.HeartbeatInterval = TimeSpan.FromSeconds(5));
        Assert.True(net.Connect());
        net.Filter = (toB, _) => !toB; // B's answers never come back
        Assert.True(net.RunUntil(() => net.A.State == SctpAssociationState.Closed, TimeSpan.FromHours(1)));
        net.Filter = null;
        Assert.True(net.RunUntil(() => net.B.State == SctpAssociationState.Closed, TimeSpan.FromSeconds(1))); // A's ABORT reached B
    }
}
