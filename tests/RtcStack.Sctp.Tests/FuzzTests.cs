using System.Buffers.Binary;
using FsCheck.Xunit;
using RtcStack.Sctp.DataChannels;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

/// <summary>Bounded fuzzing: no reader and no association input path throws, whatever the bytes.</summary>
public sealed class FuzzTests
{
    [Property(MaxTest = 500)]
    public void Readers_never_throw(byte[] bytes, byte flags)
    {
        SctpPacketReader.TryRead(bytes, out _);
        DataChunk.TryRead(flags, bytes, out _);
        InitChunk.TryRead(bytes, out _);
        SackChunk.TryRead(bytes, out _);
        ForwardTsnChunk.TryRead(bytes, out _);
        DcepMessage.TryRead(bytes, out _);
        ErrorCause.FirstCode(bytes);
        foreach (ushort type in new ushort[] { 13, 14, 15, 16, 17, 18 })
        {
            ReConfigParameter.TryRead(type, bytes, out _);
        }

        var parameters = new SctpParameterEnumerator(bytes);
        while (parameters.MoveNext())
        {
        }
    }

    [Fact]
    public async Task Mutated_traffic_with_valid_checksums_never_throws_out_of_HandlePacket()
    {
        // Record real traffic, then replay mutated copies (checksum fixed so they pass the CRC) into a
        // fresh established pair. Any exception fails the test; the associations must stay usable.
        var recorded = new List<(bool ToB, byte[] Data)>();
        await using (var source = new SimulatedNetwork(21))
        {
            source.Filter = (toB, p) =>
            {
                recorded.Add((toB, p));
                return false;
            };
            DataChannel c = source.A.CreateDataChannel("f", new DataChannelOptions { Ordered = false, MaxRetransmits = 1 });
            source.B.OnDataChannel += ch => ch.OnMessage += (x, m) => x.Send(m.Data.Span);
            Assert.True(source.Connect());
            source.RunUntil(() => c.State == DataChannelState.Open, TimeSpan.FromSeconds(5));
            for (int i = 0; i < 30; i++)
            {
                c.Send(new byte[i * 300]);
            }

            source.RunUntil(() => false, TimeSpan.FromSeconds(5));
            c.Close();
            source.RunUntil(() => false, TimeSpan.FromSeconds(5));
            source.A.Shutdown();
            source.RunUntil(() => false, TimeSpan.FromSeconds(5));
        }

        await using var net = new SimulatedNetwork(22);
        Assert.True(net.Connect());
        var random = new Random(23);
        for (int i = 0; i < 20_000; i++)
        {
            (bool toB, byte[] original) = recorded[random.Next(recorded.Count)];
            byte[] packet = Mutate(original, random);
            if (packet.Length >= 12 && random.Next(4) != 0)
            {
                PacketCodecTests.Recrc(packet);
            }

            (toB ? net.B : net.A).HandlePacket(packet);
            net.RunUntil(() => true, TimeSpan.Zero);
        }

        Assert.True(net.A.Statistics.PacketsDropped + net.B.Statistics.PacketsDropped > 0);
        Assert.Equal(0, net.A.Statistics.InternalErrors + net.B.Statistics.InternalErrors);
    }

    [Fact]
    public async Task Random_chunks_with_the_right_tag_and_checksum_never_throw()
    {
        await using var net = new SimulatedNetwork(25);
        uint tagOfB = 0;
        net.Filter = (toB, p) =>
        {
            if (toB && p.Length >= 12 && BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)) != 0)
            {
                tagOfB = BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4));
            }

            return false;
        };
        net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        var random = new Random(26);
        byte[] buffer = new byte[1200];
        for (int i = 0; i < 20_000; i++)
        {
            var writer = new SctpPacketWriter(buffer, 5000, 5000, random.Next(8) == 0 ? 0u : tagOfB);
            for (int c = random.Next(1, 4); c > 0; c--)
            {
                int length = random.Next(0, 64);
                byte type = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)random.Next(15);
                if (type is 6 or 7 or 8 or 14)
                {
                    type = 9; // keep the association up: no ABORT or SHUTDOWN family
                }

                Span<byte> value = writer.AddChunk((SctpChunkType)type, (byte)random.Next(256), length);
                random.NextBytes(value);
            }

            int n = writer.Finish();
            net.B.HandlePacket(buffer.AsSpan(0, n));
            net.RunUntil(() => true, TimeSpan.Zero);
        }

        Assert.True(net.B.Statistics.ChunksDropped > 0);
        Assert.Equal(0, net.B.Statistics.InternalErrors);
        Assert.Equal(SctpAssociationState.Established, net.B.State);
    }

    [Fact]
    public async Task Plausible_but_hostile_DATA_FORWARD_TSN_and_RE_CONFIG_never_throw()
    {
        await using var net = new SimulatedNetwork(28);
        DataTsnWatch watch = DataTsnWatch.On(net);
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => watch.TagOfB != 0, TimeSpan.FromSeconds(5)));
        var random = new Random(29);
        byte[] buffer = new byte[1200];
        uint[] ppids = [50, 51, 53, 56, 57, 0, 52, 54];
        for (int i = 0; i < 30_000; i++)
        {
            var writer = new SctpPacketWriter(buffer, 5000, 5000, watch.TagOfB);
            for (int c = random.Next(1, 5); c > 0; c--)
            {
                switch (random.Next(6))
                {
                    case 0:
                    {
                        Span<byte> v = writer.AddChunk(SctpChunkType.ForwardTsn, 0, 8);
                        ForwardTsnChunk.WriteHeader(v, watch.Tsn + (uint)random.Next(-20, 300));
                        ForwardTsnChunk.WriteStream(v, 0, (ushort)random.Next(4), (ushort)random.Next(8));
                        break;
                    }

                    case 1:
                    {
                        ushort[] streams = [(ushort)random.Next(4)];
                        Span<byte> v = writer.AddChunk(SctpChunkType.ReConfig, 0, ReConfigParameter.OutgoingRequestSize(1));
                        ReConfigParameter.WriteOutgoingRequest(v, (uint)random.Next(-3, 3) + watch.Tsn, 0, watch.Tsn + (uint)random.Next(300), streams);
                        if (random.Next(2) == 0)
                        {
                            BinaryPrimitives.WriteUInt16BigEndian(v, (ushort)random.Next(12, 20));
                        }

                        break;
                    }

                    default:
                    {
                        int length = random.Next(1, 60);
                        byte flags = (byte)random.Next(16);
                        Span<byte> v = writer.AddChunk(SctpChunkType.Data, flags, DataChunk.HeaderLength + length);
                        byte[] payload = new byte[length];
                        random.NextBytes(payload);
                        if (random.Next(4) == 0)
                        {
                            payload[0] = (byte)random.Next(2, 4); // DCEP ACK / OPEN look-alikes
                        }

                        DataChunk.Write(v, watch.Tsn + (uint)random.Next(-10, 400), (ushort)random.Next(4), (ushort)random.Next(10), ppids[random.Next(ppids.Length)], payload);
                        break;
                    }
                }
            }

            net.B.HandlePacket(buffer.AsSpan(0, writer.Finish()));
            net.RunUntil(() => true, TimeSpan.Zero);
            if (i % 1000 == 999)
            {
                watch.Tsn += 300;
            }
        }

        Assert.Equal(0, net.B.Statistics.InternalErrors);
        Assert.NotEqual(SctpAssociationState.Closed, net.B.State);
        Assert.True(net.B.Statistics.DataChunksReceived > 10_000);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Random_packets_to_an_association_that_is_not_established_never_throw(bool started)
    {
        await using var lone = new SctpAssociation(new NullTransport(), new SctpAssociationOptions(), new ManualTimeProvider());
        if (started)
        {
            lone.Start();
        }

        var random = new Random(30);
        byte[] buffer = new byte[600];
        for (int i = 0; i < 5000; i++)
        {
            var writer = new SctpPacketWriter(buffer, 5000, 5000, random.Next(2) == 0 ? 0u : (uint)random.Next());
            for (int c = random.Next(1, 3); c > 0; c--)
            {
                Span<byte> value = writer.AddChunk((SctpChunkType)random.Next(16), (byte)random.Next(256), random.Next(0, 120));
                random.NextBytes(value);
                if (value.Length >= 16)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(value, (uint)random.Next(1, int.MaxValue)); // plausible INIT tag
                    BinaryPrimitives.WriteUInt16BigEndian(value[8..], (ushort)random.Next(1, 100));
                    BinaryPrimitives.WriteUInt16BigEndian(value[10..], (ushort)random.Next(1, 100));
                }
            }

            lone.HandlePacket(buffer.AsSpan(0, writer.Finish()));
        }

        Assert.Equal(0, lone.Statistics.InternalErrors);
    }

    private sealed class NullTransport : ISctpTransport
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Unknown_chunk_types_follow_their_high_bits()
    {
        await using var net = new SimulatedNetwork(27);
        uint tagOfB = 0;
        var fromB = new List<byte[]>();
        net.Filter = (toB, p) =>
        {
            if (toB)
            {
                tagOfB = BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4));
            }
            else
            {
                fromB.Add(p);
            }

            return false;
        };
        Assert.True(net.Connect());
        fromB.Clear();

        // 0x4F: stop and report; 0xCF: skip, report and go on to the HEARTBEAT after it.
        foreach (byte type in new byte[] { 0x4F, 0xCF })
        {
            byte[] packet = PacketCodecTests.Build(
                (ref SctpPacketWriter w) =>
                {
                    w.AddChunk((SctpChunkType)type, 0, new byte[] { 1, 2, 3, 4, 5 });
                    w.AddChunk(SctpChunkType.Heartbeat, 0, new byte[] { 0, 1, 0, 8, 9, 9, 9, 9 });
                },
                tagOfB);
            net.B.HandlePacket(packet);
        }

        net.RunUntil(() => true, TimeSpan.Zero);
        var types = fromB.SelectMany(ChunkTypes).ToList();
        Assert.Equal(2, types.Count(t => t == SctpChunkType.Error));
        Assert.Equal(1, types.Count(t => t == SctpChunkType.HeartbeatAck));
    }

    private static List<SctpChunkType> ChunkTypes(byte[] packet)
    {
        var types = new List<SctpChunkType>();
        if (SctpPacketReader.TryRead(packet, out SctpPacketReader reader) == SctpReadResult.Ok)
        {
            foreach (SctpChunk chunk in reader)
            {
                types.Add(chunk.Type);
            }
        }

        return types;
    }

    [Fact]
    public async Task Bad_packets_are_dropped_and_counted_without_changing_state()
    {
        await using var net = new SimulatedNetwork(24);
        DataTsnWatch watch = DataTsnWatch.On(net);
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => channel.State == DataChannelState.Open && watch.TagOfB != 0, TimeSpan.FromSeconds(5)));
        SctpStatistics before = net.B.Statistics;

        net.B.HandlePacket(new byte[] { 1, 2, 3 });
        byte[] good = PacketCodecTests.Build((ref SctpPacketWriter w) => w.AddChunk(SctpChunkType.CookieAck, 0, 0), watch.TagOfB);
        byte[] badCrc = (byte[])good.Clone();
        badCrc[8] ^= 0xFF;
        net.B.HandlePacket(badCrc);
        net.B.HandlePacket(PacketCodecTests.Build((ref SctpPacketWriter w) => w.AddChunk(SctpChunkType.CookieAck, 0, 0), watch.TagOfB + 1));
        byte[] farAhead = PacketCodecTests.Build(
            (ref SctpPacketWriter w) => DataChunk.Write(w.AddChunk(SctpChunkType.Data, 3, DataChunk.HeaderLength + 1), watch.Tsn + 1_000_000, 0, 0, 53, [1]),
            watch.TagOfB);
        net.B.HandlePacket(farAhead);
        byte[] noUserData = PacketCodecTests.Build((ref SctpPacketWriter w) => w.AddChunk(SctpChunkType.Data, 3, DataChunk.HeaderLength), watch.TagOfB);
        net.B.HandlePacket(noUserData);

        SctpStatistics after = net.B.Statistics;
        Assert.Equal(before.PacketsDropped + 3, after.PacketsDropped);
        Assert.Equal(before.OutOfWindowTsns + 1, after.OutOfWindowTsns);
        Assert.Equal(before.ChunksDropped + 1, after.ChunksDropped);
        Assert.Equal(SctpAssociationState.Established, net.B.State);

        int received = 0;
        net.Filter = null;
        net.B.OnDataChannel += _ => { };
        channel.Send("still works");
        net.RunUntil(() => net.B.Statistics.MessagesReceived > after.MessagesReceived, TimeSpan.FromSeconds(5));
        received = (int)(net.B.Statistics.MessagesReceived - after.MessagesReceived);
        Assert.Equal(1, received);
    }

    [Fact]
    public async Task A_peer_ignoring_the_receive_window_cannot_grow_our_buffers()
    {
        await using var net = new SimulatedNetwork(35, o => o.ReceiveWindow = o.MaxReceiveMessageSize = 64 * 1024);
        DataTsnWatch watch = DataTsnWatch.On(net);
        DataChannel channel = net.A.CreateDataChannel("x");
        Assert.True(net.Connect());
        Assert.True(net.RunUntil(() => watch.TagOfB != 0, TimeSpan.FromSeconds(5)));
        byte[] payload = new byte[1000];
        for (int i = 1; i <= 1000; i++)
        {
            // One endless in-order message: a beginning fragment, then middles, never an end.
            byte flags = i == 1 ? DataChunk.FlagBeginning : (byte)0;
            net.B.HandlePacket(PacketCodecTests.Build(
                (ref SctpPacketWriter w) => DataChunk.Write(w.AddChunk(SctpChunkType.Data, flags, DataChunk.HeaderLength + payload.Length), watch.Tsn + (uint)i, 0, 5, 53, payload),
                watch.TagOfB));
        }

        SctpStatistics stats = net.B.Statistics;
        Assert.True(stats.ReceiveBufferDrops > 800, $"drops {stats.ReceiveBufferDrops}");
        Assert.Equal(0, stats.InternalErrors);
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] p = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (int k = random.Next(1, 4); k > 0; k--)
                {
                    p[random.Next(p.Length)] = (byte)random.Next(256);
                }

                return p;
            case 1:
                return p.AsSpan(0, random.Next(p.Length + 1)).ToArray();
            case 2:
                if (p.Length > 15)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(14), (ushort)random.Next(65536));
                }

                return p;
            default:
                for (int k = 12; k < p.Length; k++)
                {
                    if (random.Next(8) == 0)
                    {
                        p[k] = (byte)random.Next(256);
                    }
                }

                return p;
        }
    }
}
