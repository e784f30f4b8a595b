using Xunit.Abstractions;

namespace RtcStack.Sctp.Tests;

/// <summary>
/// Loss recovery through a relay that tail-drops bursts (<see cref="BottleneckNetwork"/>), the path the
/// Chromium relay-only echo takes: the echo must finish, and in bounded virtual time.
/// </summary>
public sealed class LossRecoveryTests(ITestOutputHelper output)
{
    /// <summary>The browser echo page's sizes (tests/RtcStack.Sfu.Tests/echo.html): 0 B to 256 KiB.</summary>
    internal static int EchoPageSize(int i) =>
        i == 0 ? 0 : i % 100 == 99 ? (256 * 1024) - (i % 3) : i % 10 == 5 ? 1000 + (i * 977 % 15000) : i * 131 % 2000;

    [Theory]
    [InlineData(64, 10.0)]
    [InlineData(32, 2.0)]
    [InlineData(90, 50.0)]
    public async Task Echo_through_a_relay_that_drops_burst_tails_completes(int queueLimit, double packetsPerMs)
    {
        await using var net = new BottleneckNetwork { QueueLimit = queueLimit, PacketsPerMs = packetsPerMs };
        var received = new List<DataChannelMessage>();
        DataChannel channel = OpenEcho(net, received);
        const int count = 300;
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(DataChannelSendResult.Queued, channel.Send(AssociationTests.Pattern(i, EchoPageSize(i))));
        }

        bool done = net.RunUntil(() => received.Count == count, TimeSpan.FromMinutes(2));
        Assert.True(done, $"echoed {received.Count} of {count} in {net.Time.Elapsed}; tail drops {net.TailDrops}; A {net.A.Statistics}; B {net.B.Statistics}");
        output.WriteLine($"echoed {received.Count} of {count} in {net.Time.Elapsed}; tail drops {net.TailDrops}; A {net.A.Statistics}; B {net.B.Statistics}");
        Assert.True(net.TailDrops > 0, "the relay never dropped a burst: the test lost its point");
        for (int i = 0; i < count; i++)
        {
            Assert.True(AssociationTests.Same(received[i].Data, AssociationTests.Pattern(i, EchoPageSize(i))), $"message {i} differs");
        }
    }

    [Fact]
    public async Task FORWARD_TSN_for_an_abandoned_chunk_keeps_received_fragments_of_a_reliable_message_above_it()
    {
        // The lost unordered chunk (TSN t, maxRetransmits 0) is abandoned and skipped by FORWARD-TSN(t). The
        // receiver already holds fragments t+1.. of a reliable message whose last fragment was lost too:
        // after FORWARD-TSN its cumulative TSN moves past them, and they must stay for reassembly.
        await using var net = new SimulatedNetwork(21);
        var reliableGot = new List<int>();
        (DataChannel lossy, DataChannel reliable) = OpenLossyAndReliable(net, reliableGot);

        var dropped = new HashSet<uint>();
        net.Filter = (toB, p) => toB && DataChunks(p).Any(d =>
            ((d.Flags & 0x04) != 0 || (d.Flags & 0x03) == 0x01) && dropped.Add(d.Tsn)); // unordered chunks, last fragments: once
        Assert.Equal(DataChannelSendResult.Queued, lossy.Send("lost and abandoned"u8));
        Assert.Equal(DataChannelSendResult.Queued, reliable.Send(new byte[10_000]));
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(DataChannelSendResult.Queued, reliable.Send(new byte[100 + i]));
        }

        bool done = net.RunUntil(() => reliableGot.Count == 9, TimeSpan.FromMinutes(2));
        Assert.True(done, $"reliable messages delivered: {reliableGot.Count} of 9; A {net.A.Statistics}; B {net.B.Statistics}");
        Assert.Equal([10_000, 100, 101, 102, 103, 104, 105, 106, 107], reliableGot);
        Assert.True(net.A.Statistics.ForwardTsnSent > 0, "no FORWARD-TSN: the test lost its point");
    }

    [Fact]
    public async Task Received_fragments_of_an_abandoned_message_above_the_FORWARD_TSN_are_released()
    {
        // An unordered maxRetransmits:0 message of several fragments loses its first one; the others arrive and
        // are gap-acked, so FORWARD-TSN names only the lost TSN. The receiver's cumulative TSN then moves over
        // the rest, which can never complete and must not hold receive window for good.
        await using var net = new SimulatedNetwork(23);
        var reliableGot = new List<int>();
        (DataChannel lossy, DataChannel reliable) = OpenLossyAndReliable(net, reliableGot);

        var dropped = new HashSet<uint>();
        net.Filter = (toB, p) => toB && DataChunks(p).Any(d => (d.Flags & 0x06) == 0x06 && dropped.Add(d.Tsn)); // unordered first fragments, once
        Assert.Equal(DataChannelSendResult.Queued, lossy.Send(new byte[5_000]));
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(DataChannelSendResult.Queued, reliable.Send(new byte[100 + i]));
        }

        Assert.True(net.RunUntil(() => reliableGot.Count == 8, TimeSpan.FromMinutes(2)), $"reliable {reliableGot.Count} of 8; B {net.B.Statistics}");
        net.RunUntil(() => false, TimeSpan.FromSeconds(5));
        Assert.True(net.A.Statistics.ForwardTsnSent > 0, "no FORWARD-TSN: the test lost its point");
        Assert.Equal(0, net.B.Statistics.ReceiveBuffered);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(40)]
    public async Task After_an_outage_delivery_resumes_within_the_back_off_cap(int outageSeconds)
    {
        // Every packet is lost both ways (a relay that stopped forwarding, a starved peer). T3 (RTO 1 s, no RTT
        // sample yet) backs off 1, 2 s, then retries every 3 s (MaxTimerBackoff); without the cap the retries
        // come at 1, 3, 7, 15, 31 s... A 40 s outage costs 14 timeouts: within MaxRetransmissions (20), so the
        // association survives as long as ICE consent would.
        await using var net = new SimulatedNetwork(22);
        var got = new List<string>();
        net.B.OnDataChannel += c => c.OnMessage += (_, m) => got.Add(m.Text);
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromSeconds(5)));
        TimeSpan outageEnds = net.Time.Elapsed + TimeSpan.FromSeconds(outageSeconds);
        net.Filter = (_, _) => net.Time.Elapsed < outageEnds;
        channel.Send("after the outage");
        Assert.True(net.RunUntil(() => got.Count == 1, TimeSpan.FromMinutes(2)), $"not delivered; A {net.A.State} {net.A.Statistics}");
        TimeSpan late = net.Time.Elapsed - outageEnds;
        Assert.True(late <= TimeSpan.FromSeconds(3.5), $"delivered {late.TotalSeconds:F1} s after the outage; A {net.A.Statistics}");
        Assert.Equal(SctpAssociationState.Established, net.A.State);
    }

    /// <summary>(TSN, flags) of each DATA chunk in an SCTP packet.</summary>
    internal static List<(uint Tsn, byte Flags)> DataChunks(byte[] packet)
    {
        var chunks = new List<(uint, byte)>();
        int offset = 12;
        while (offset + 4 <= packet.Length)
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(offset + 2));
            if (length < 4)
            {
                break;
            }

            if (packet[offset] == 0 && offset + 8 <= packet.Length)
            {
                chunks.Add((System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(offset + 4)), packet[offset + 1]));
            }

            offset += (length + 3) & ~3;
        }

        return chunks;
    }

    /// <summary>
    /// Opens an unordered maxRetransmits:0 "lossy" channel and a "reliable" one from A, lets the DCEP ACKs arrive (so
    /// unordered sending is allowed) and records the length of each message B gets on "reliable".
    /// </summary>
    private static (DataChannel Lossy, DataChannel Reliable) OpenLossyAndReliable(SimulatedNetwork net, List<int> reliableGot)
    {
        net.B.OnDataChannel += c => c.OnMessage += (ch, m) =>
        {
            if (ch.Label == "reliable")
            {
                reliableGot.Add(m.Data.Length);
            }
        };
        DataChannel lossy = net.A.CreateDataChannel("lossy", new DataChannelOptions { Ordered = false, MaxRetransmits = 0 });
        DataChannel reliable = net.A.CreateDataChannel("reliable");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => lossy.State == DataChannelState.Open && reliable.State == DataChannelState.Open, TimeSpan.FromSeconds(30)));
        net.RunUntil(() => false, TimeSpan.FromSeconds(2)); // DCEP ACKs: unordered sending allowed
        return (lossy, reliable);
    }

    private static DataChannel OpenEcho(BottleneckNetwork net, List<DataChannelMessage> received)
    {
        net.B.OnDataChannel += c => c.OnMessage += (ch, m) => Assert.Equal(DataChannelSendResult.Queued, ch.Send(m.Data.Span));
        DataChannel channel = net.A.CreateDataChannel("echo");
        channel.OnMessage += (_, m) => received.Add(m);
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open, TimeSpan.FromSeconds(30)));
        return channel;
    }
}
