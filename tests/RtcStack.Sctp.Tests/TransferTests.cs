namespace RtcStack.Sctp.Tests;

/// <summary>Bulk transfer through the simulated network, with and without impairments.</summary>
public sealed class TransferTests
{
    private const int MaxSize = 256 * 1024;

    public static TheoryData<int, double, double, double> Impairments => new()
    {
        { 1, 0.0, 0.0, 0.0 },
        { 2, 0.02, 0.01, 0.05 },
    };

    [Theory]
    [MemberData(nameof(Impairments))]
    public async Task Thousand_mixed_size_messages_are_echoed_intact_and_in_order(int seed, double loss, double duplication, double reordering)
    {
        await using var net = new SimulatedNetwork(seed) { Loss = loss, Duplication = duplication, Reordering = reordering };
        net.B.OnDataChannel += c => c.OnMessage += (ch, m) =>
        {
            DataChannelSendResult r = m.IsText ? ch.Send(m.Text) : ch.Send(m.Data.Span);
            Assert.Equal(DataChannelSendResult.Queued, r);
        };
        DataChannel channel = net.A.CreateDataChannel("echo");
        var sizes = Sizes(seed, 1000);
        var received = new List<DataChannelMessage>();
        channel.OnMessage += (_, m) => received.Add(m);
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromSeconds(30)));
        for (int i = 0; i < sizes.Length; i++)
        {
            DataChannelSendResult r = i % 7 == 3 ? channel.Send(AssociationTests.Text(i)) : channel.Send(AssociationTests.Pattern(i, sizes[i]));
            Assert.Equal(DataChannelSendResult.Queued, r);
        }

        Assert.True(net.RunUntil(() => received.Count == sizes.Length, TimeSpan.FromMinutes(30)), $"received {received.Count}");
        for (int i = 0; i < sizes.Length; i++)
        {
            if (i % 7 == 3)
            {
                Assert.True(received[i].IsText);
                Assert.Equal(AssociationTests.Text(i), received[i].Text);
            }
            else
            {
                Assert.False(received[i].IsText);
                Assert.True(AssociationTests.Same(received[i].Data, AssociationTests.Pattern(i, sizes[i])), $"message {i} ({sizes[i]} bytes) differs");
            }
        }

        SctpStatistics stats = net.A.Statistics;
        if (loss > 0)
        {
            Assert.True(stats.Retransmissions > 0);
        }

        Assert.Equal(0, stats.OversizedMessages);
    }

    [Fact]
    public async Task Lost_data_is_recovered_by_T3_retransmission_when_everything_after_it_is_lost_too()
    {
        await using var net = new SimulatedNetwork(3);
        var received = new List<string>();
        net.B.OnDataChannel += c => c.OnMessage += (_, m) => received.Add(m.Text);
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromSeconds(5)));
        int dropped = 0;
        net.Filter = (toB, p) => toB && p[12] == 0 && dropped++ < 3; // the next three DATA packets vanish
        channel.Send("one");
        channel.Send("two");
        Assert.True(net.RunUntil(() => received.Count == 2, TimeSpan.FromMinutes(1)));
        Assert.Equal(["one", "two"], received);
        Assert.True(net.A.Statistics.T3Expirations > 0);
        Assert.True(net.A.Statistics.Retransmissions > 0);
    }

    [Fact]
    public async Task Single_loss_in_a_burst_is_repaired_by_fast_retransmit()
    {
        await using var net = new SimulatedNetwork(4);
        int count = 0;
        net.B.OnDataChannel += c => c.OnMessage += (_, _) => count++;
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromSeconds(5)));
        int data = 0;
        net.Filter = (toB, p) => toB && p.Length > 1000 && ++data == 3;
        for (int i = 0; i < 40; i++)
        {
            channel.Send(new byte[1100]);
        }

        Assert.True(net.RunUntil(() => count == 40, TimeSpan.FromMinutes(1)));
        Assert.True(net.A.Statistics.FastRetransmits > 0);
        Assert.Equal(0, net.A.Statistics.T3Expirations);
    }

    private static int[] Sizes(int seed, int count)
    {
        var random = new Random(seed);
        var sizes = new int[count];
        for (int i = 0; i < count; i++)
        {
            double p = random.NextDouble();
            sizes[i] = p < 0.65 ? random.Next(1, 1200) : p < 0.93 ? random.Next(1200, 32 * 1024) : random.Next(32 * 1024, MaxSize + 1);
        }

        sizes[0] = MaxSize;
        sizes[1] = 1;
        sizes[count - 1] = MaxSize;
        return sizes;
    }
}
