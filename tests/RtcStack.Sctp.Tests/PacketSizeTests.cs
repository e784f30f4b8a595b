using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcStack.Sctp.Association;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

/// <summary>No emitted SCTP packet may exceed MaxPacketSize, chunk padding included (RFC 9260 §3.2).</summary>
public sealed class PacketSizeTests
{
    public static TheoryData<int> Limits => [256, 257, 258, 259, 260, 1163, 1164, 1165, 1166, 1191, 1200, 1201, 1202, 1203, 4097];

    [Theory]
    [MemberData(nameof(Limits))]
    public async Task Every_packet_fits_the_limit_for_messages_around_the_fragment_size(int maxPacketSize)
    {
        int payload = maxPacketSize - 12 - 4 - 12; // unpadded room for user data in one DATA chunk
        var sizes = new List<int>();
        for (int delta = -8; delta <= 8; delta++)
        {
            sizes.Add(Math.Max(1, payload + delta));
            sizes.Add(Math.Max(1, (2 * payload) + delta));
        }

        sizes.AddRange([1, 2, 3, 4, 5, 17, 100, 3 * maxPacketSize, 20_000]);
        (int largest, int count) = await Run(maxPacketSize, sizes, seed: maxPacketSize);
        Assert.True(largest <= maxPacketSize, $"a {largest}-byte packet with MaxPacketSize {maxPacketSize}");
        Assert.True(largest > maxPacketSize - 4, $"packets should use the room: largest {largest} for {maxPacketSize}");
        Assert.True(count > sizes.Count);
    }

    [Property(MaxTest = 40)]
    public Property Every_packet_fits_any_limit_and_any_message_sizes() =>
        Prop.ForAll(
            Gen.Choose(256, 9000).ToArbitrary(),
            Gen.ListOf(Gen.Choose(1, 12_000)).Select(l => l.Take(24).ToArray()).ToArbitrary(),
            (limit, sizes) =>
            {
                (int largest, _) = Run(limit, sizes, seed: limit ^ sizes.Length).AsTask().GetAwaiter().GetResult();
                return largest <= limit;
            });

    [Fact]
    public async Task Closing_many_channels_at_once_splits_the_stream_reset_to_fit_small_packets()
    {
        await using var net = new SimulatedNetwork(5, o => o.MaxPacketSize = 256);
        int largest = 0;
        net.Filter = (_, p) =>
        {
            largest = Math.Max(largest, p.Length);
            return false;
        };
        var channels = new List<DataChannel>();
        for (int i = 0; i < 150; i++)
        {
            channels.Add(net.A.CreateDataChannel($"c{i}"));
        }

        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channels.TrueForAll(c => c.State == DataChannelState.Open), TimeSpan.FromMinutes(1)));
        channels.ForEach(c => c.Close());
        Assert.True(net.RunUntil(() => channels.TrueForAll(c => c.State == DataChannelState.Closed), TimeSpan.FromMinutes(2)));
        Assert.True(largest <= 256, $"a {largest}-byte packet");
    }

    [Fact]
    public void Largest_chunk_value_never_pads_past_the_limit()
    {
        for (int limit = 256; limit <= 65535; limit++)
        {
            var assembler = new PacketAssembler(limit, 5000, 5000);
            int size = SctpPacketReader.HeaderLength + SctpPacketWriter.ChunkSize(assembler.MaxChunkValue);
            Assert.True(size <= limit && size > limit - 4, $"limit {limit}: {size}");
        }
    }

    /// <summary>Echoes the messages (A to B and back) with some reordering and loss, so DATA, SACK and
    /// retransmissions are all bundled; returns the largest packet seen in either direction.</summary>
    private static async ValueTask<(int Largest, int Count)> Run(int maxPacketSize, IReadOnlyList<int> sizes, int seed)
    {
        await using var net = new SimulatedNetwork(seed, o => o.MaxPacketSize = maxPacketSize) { Loss = 0.02, Reordering = 0.05 };
        int largest = 0;
        int count = 0;
        net.Filter = (_, p) =>
        {
            largest = Math.Max(largest, p.Length);
            count++;
            return false;
        };
        net.B.OnDataChannel += c => c.OnMessage += (ch, m) => ch.Send(m.Data.Span);
        int received = 0;
        DataChannel channel = net.A.CreateDataChannel("sizes", new DataChannelOptions { Ordered = seed % 2 == 0 });
        channel.OnMessage += (_, _) => received++;
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromMinutes(1)));
        foreach (int size in sizes)
        {
            Assert.Equal(DataChannelSendResult.Queued, channel.Send(new byte[size]));
        }

        Assert.True(net.RunUntil(() => received == sizes.Count, TimeSpan.FromMinutes(10)), $"received {received} of {sizes.Count}");
        return (largest, count);
    }
}
