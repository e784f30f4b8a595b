using System.Threading.Channels;
using RtcStack.Sctp.Association;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

public sealed class NegotiationTests
{
    [Fact]
    public async Task Stream_counts_are_the_minimum_of_both_offers()
    {
        await using var net = new SimulatedNetwork(31, o => o.Streams = o.IsDtlsClient ? (ushort)100 : (ushort)10);
        Assert.True(net.Connect());
        Assert.Equal(10, net.A.OutboundStreams);
        Assert.Equal(10, net.B.OutboundStreams);
    }

    [Fact]
    public async Task Negotiated_channels_skip_DCEP_and_talk_on_the_agreed_id()
    {
        await using var net = new SimulatedNetwork(32);
        bool announced = false;
        net.B.OnDataChannel += _ => announced = true;
        DataChannel a = net.A.CreateDataChannel("n", new DataChannelOptions { Negotiated = true, Id = 7 });
        DataChannel b = net.B.CreateDataChannel("n", new DataChannelOptions { Negotiated = true, Id = 7 });
        string? got = null;
        b.OnMessage += (_, m) => got = m.Text;
        Assert.True(net.Connect());
        Assert.Equal(DataChannelState.Open, a.State);
        a.Send("over 7");
        Assert.True(net.RunUntil(() => got is not null, TimeSpan.FromSeconds(5)));
        Assert.Equal("over 7", got);
        Assert.False(announced);
    }

    [Fact]
    public async Task Oversized_incoming_message_is_dropped_and_counted_and_the_stream_continues()
    {
        await using var net = new SimulatedNetwork(33, o =>
        {
            o.MaxSendMessageSize = 0;
            if (!o.IsDtlsClient)
            {
                o.MaxReceiveMessageSize = 4000;
            }
        });
        var got = new List<int>();
        net.B.OnDataChannel += c => c.OnMessage += (_, m) => got.Add(m.Data.Length);
        DataChannel a = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        a.Send(new byte[100]);
        a.Send(new byte[10_000]);
        a.Send(new byte[200]);
        Assert.True(net.RunUntil(() => got.Count == 2, TimeSpan.FromSeconds(10)));
        Assert.Equal([100, 200], got);
        Assert.Equal(1, net.B.Statistics.OversizedMessages);
    }

    [Fact]
    public async Task Buffered_amount_rises_with_sends_and_low_event_fires_when_drained()
    {
        await using var net = new SimulatedNetwork(34);
        DataChannel a = net.A.CreateDataChannel("x");
        int low = 0;
        a.BufferedAmountLowThreshold = 1000;
        a.OnBufferedAmountLow += _ => low++;
        Assert.True(net.Connect());
        for (int i = 0; i < 10; i++)
        {
            a.Send(new byte[100_000]);
        }

        Assert.True(a.BufferedAmount > 900_000);
        Assert.True(net.RunUntil(() => a.BufferedAmount == 0, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, low);
    }

    [Fact]
    public async Task Tampered_cookie_is_dropped()
    {
        var sent = new List<byte[]>();
        var capture = new CaptureTransport(sent);
        await using var server = new SctpAssociation(capture, new SctpAssociationOptions(), new ManualTimeProvider());
        var clientSent = new List<byte[]>();
        await using var client = new SctpAssociation(new CaptureTransport(clientSent), new SctpAssociationOptions(), new ManualTimeProvider());
        client.Start();
        server.HandlePacket(clientSent[0]); // INIT -> INIT ACK
        client.HandlePacket(sent[0]); // INIT ACK -> COOKIE ECHO
        byte[] echo = clientSent[1];
        byte[] tampered = (byte[])echo.Clone();
        tampered[20] ^= 0x01; // inside the cookie body
        PacketCodecTests.Recrc(tampered);
        server.HandlePacket(tampered);
        Assert.Equal(SctpAssociationState.Closed, server.State);
        Assert.Equal(1, server.Statistics.ChunksDropped);
        server.HandlePacket(echo);
        Assert.Equal(SctpAssociationState.Established, server.State);
    }

    [Fact]
    public void Congestion_window_grows_in_slow_start_then_by_one_mtu_per_window()
    {
        var rto = new RtoEstimator(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3));
        var tx = new RetransmissionQueue(100, 1200, 1_000_000, rto);
        Assert.Equal(4380, tx.Cwnd); // RFC 9260 §7.2.1: min(4*MTU, max(2*MTU, 4380))
        var message = new OutgoingMessage(0, 53, new byte[1_000_000], false, null, null, null);
        uint next = 100;
        long ssthreshCrossed = 0;
        for (int round = 0; round < 30; round++)
        {
            while (tx.CanSend(1000))
            {
                tx.Add(message, 0, 1000, 0, round);
            }

            long before = tx.Cwnd;
            next = tx.NextTsn - 1;
            byte[] sack = new byte[SackChunk.FixedLength];
            SackChunk.WriteHeader(sack, next, 1_000_000, 0, 0);
            Assert.Equal(SctpReadResult.Ok, SackChunk.TryRead(sack, out SackChunk parsed));
            tx.OnSack(parsed, round + 1);
            Assert.True(tx.Cwnd >= before);
            if (tx.Cwnd > tx.Ssthresh && ssthreshCrossed == 0)
            {
                ssthreshCrossed = round;
            }
        }

        Assert.True(tx.Cwnd > 20_000);
        Assert.Equal(0, tx.Outstanding);
        tx.Add(message, 0, 1000, 0, 40);
        long cwnd = tx.Cwnd;
        tx.OnT3Expired(41);
        Assert.Equal(1200, tx.Cwnd); // §6.3.3 E1: cwnd = 1 MTU
        Assert.Equal(Math.Max(cwnd / 2, 4 * 1200), tx.Ssthresh);
        Assert.True(tx.HasRetransmissions);
    }

    [Fact]
    public async Task Associations_over_an_asynchronous_transport_with_real_time_exchange_messages()
    {
        // Real threads and the system clock: packets cross through channels drained by background tasks.
        var toB = Channel.CreateUnbounded<byte[]>();
        var toA = Channel.CreateUnbounded<byte[]>();
        await using var a = new SctpAssociation(new ChannelTransport(toB), new SctpAssociationOptions { IsDtlsClient = true });
        await using var b = new SctpAssociation(new ChannelTransport(toA), new SctpAssociationOptions());
        using var stop = new CancellationTokenSource();
        Task pumpA = Pump(toA.Reader, a, stop.Token);
        Task pumpB = Pump(toB.Reader, b, stop.Token);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int count = 0;
        b.OnDataChannel += c => c.OnMessage += (ch, m) => ch.Send(m.Data.Span);
        DataChannel channel = a.CreateDataChannel("threads");
        channel.OnMessage += (_, m) =>
        {
            if (Interlocked.Increment(ref count) == 200)
            {
                done.TrySetResult();
            }
        };
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.OnOpen += _ => opened.TrySetResult();
        a.Start();
        b.Start();
        await opened.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var senders = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                Assert.Equal(DataChannelSendResult.Queued, channel.Send(new byte[(t * 50) + i + 1]));
            }
        })).ToArray();
        await Task.WhenAll(senders);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(200, count);
        await stop.CancelAsync();
        await Task.WhenAll(pumpA, pumpB);
    }

    private static async Task Pump(ChannelReader<byte[]> reader, SctpAssociation target, CancellationToken token)
    {
        try
        {
            await foreach (byte[] packet in reader.ReadAllAsync(token))
            {
                target.HandlePacket(packet);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class ChannelTransport(Channel<byte[]> channel) : ISctpTransport
    {
        public async ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
        {
            await Task.Yield(); // force the asynchronous path of the association's drain loop
            await channel.Writer.WriteAsync(packet.ToArray(), cancellationToken);
        }
    }

    private sealed class CaptureTransport(List<byte[]> sent) : ISctpTransport
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
        {
            sent.Add(packet.ToArray());
            return ValueTask.CompletedTask;
        }
    }
}
