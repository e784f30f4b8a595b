using System.Buffers.Binary;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

public sealed class PacketCodecTests
{
    // INIT in the shape Chromium's dcsctp sends (RFC 9260 §3.3.2 layout): a_rwnd 5 MiB, 65535 streams,
    // Supported Extensions [RE-CONFIG, FORWARD-TSN], Forward-TSN-Supported, Zero Checksum Acceptable
    // (RFC 9653, type 0x8001, unknown here and skipped). CRC32c computed independently (Python, bitwise).
    private const string DcsctpInit =
        "1388138800000000db2f6fa2010000283a1f0c5d00500000ffffffff1b2c3d4e8008000682c00000c00000048001000800000001";

    // INIT in the shape usrsctp (older Chromium, Firefox) sends: SCTP-AUTH Random / Chunk List / HMAC
    // parameters and a longer Supported Extensions list, all skippable (high bit set).
    private const string UsrsctpInit =
        "13881388000000008b568e7a01000058b7e15163001000000400040000ddba11c000000480080009c00fc1808200000080020024"
        + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f800400070fc180008003000600010000";

    [Fact]
    public void Chromium_dcsctp_INIT_parses()
    {
        byte[] packet = Convert.FromHexString(DcsctpInit);
        Assert.Equal(SctpReadResult.Ok, SctpPacketReader.TryRead(packet, out SctpPacketReader reader));
        Assert.Equal(5000, reader.SourcePort);
        Assert.Equal(0u, reader.VerificationTag);
        var chunks = reader.GetEnumerator();
        Assert.True(chunks.MoveNext());
        Assert.Equal(SctpChunkType.Init, chunks.Current.Type);
        Assert.Equal(SctpReadResult.Ok, InitChunk.TryRead(chunks.Current.Value, out InitChunk init));
        Assert.Equal(0x3A1F0C5Du, init.InitiateTag);
        Assert.Equal(5u * 1024 * 1024, init.AdvertisedReceiverWindow);
        Assert.Equal(65535, init.OutboundStreams);
        Assert.Equal(65535, init.InboundStreams);
        Assert.Equal(0x1B2C3D4Eu, init.InitialTsn);
        Assert.True(init.SupportsForwardTsn);
        Assert.True(init.SupportsReConfig);
        Assert.Equal(0, init.UnrecognizedToReport);
        Assert.False(chunks.MoveNext());
    }

    [Fact]
    public void Usrsctp_INIT_parses_and_skips_auth_parameters()
    {
        byte[] packet = Convert.FromHexString(UsrsctpInit);
        Assert.Equal(SctpReadResult.Ok, SctpPacketReader.TryRead(packet, out SctpPacketReader reader));
        var chunks = reader.GetEnumerator();
        Assert.True(chunks.MoveNext());
        Assert.Equal(SctpReadResult.Ok, InitChunk.TryRead(chunks.Current.Value, out InitChunk init));
        Assert.Equal(1024, init.OutboundStreams);
        Assert.True(init.SupportsForwardTsn);
        Assert.True(init.SupportsReConfig);
    }

    [Fact]
    public void Chromium_INIT_fed_to_an_association_gets_an_INIT_ACK_with_a_cookie()
    {
        var sent = new List<byte[]>();
        var association = new SctpAssociation(new CaptureTransport(sent), new SctpAssociationOptions(), new ManualTimeProvider());
        association.HandlePacket(Convert.FromHexString(DcsctpInit));
        byte[] reply = Assert.Single(sent);
        Assert.Equal(SctpReadResult.Ok, SctpPacketReader.TryRead(reply, out SctpPacketReader reader));
        Assert.Equal(0x3A1F0C5Du, reader.VerificationTag);
        var chunks = reader.GetEnumerator();
        Assert.True(chunks.MoveNext());
        Assert.Equal(SctpChunkType.InitAck, chunks.Current.Type);
        Assert.Equal(SctpReadResult.Ok, InitChunk.TryRead(chunks.Current.Value, out InitChunk ack));
        Assert.False(ack.StateCookie.IsEmpty);
        Assert.True(ack.SupportsForwardTsn && ack.SupportsReConfig);
        Assert.Equal(SctpAssociationState.Closed, association.State); // no state before COOKIE ECHO
    }

    public static TheoryData<string, string> BadPackets => new()
    {
        { "", nameof(SctpReadResult.TooShort) },
        { "13881388000000", nameof(SctpReadResult.TooShort) },
        { "138813880000000000000000", nameof(SctpReadResult.NoChunks) },
    };

    [Theory]
    [MemberData(nameof(BadPackets))]
    public void Short_packets_are_rejected(string hex, string expected) =>
        Assert.Equal(Enum.Parse<SctpReadResult>(expected), SctpPacketReader.TryRead(Convert.FromHexString(hex), out _));

    [Theory]
    [InlineData(0)] // length below the 4-byte header
    [InlineData(3)]
    [InlineData(200)] // past the end of the packet
    public void Bad_chunk_lengths_are_rejected(ushort length)
    {
        byte[] packet = Build((ref SctpPacketWriter w) => w.AddChunk(SctpChunkType.CookieAck, 0, 8));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), length);
        Recrc(packet);
        Assert.Equal(SctpReadResult.BadChunkLength, SctpPacketReader.TryRead(packet, out _));
    }

    [Fact]
    public void Bad_checksum_is_rejected()
    {
        byte[] packet = Build((ref SctpPacketWriter w) => w.AddChunk(SctpChunkType.CookieAck, 0, 0));
        packet[^1] ^= 1;
        Assert.Equal(SctpReadResult.BadChecksum, SctpPacketReader.TryRead(packet, out _));
    }

    [Fact]
    public void Checksum_is_stored_little_endian_over_the_packet_with_zero_checksum_field()
    {
        byte[] packet = Build((ref SctpPacketWriter w) => w.AddChunk(SctpChunkType.CookieAck, 0, 0));
        byte[] copy = (byte[])packet.Clone();
        copy.AsSpan(8, 4).Clear();
        Assert.Equal(Crc32C.Compute(copy), BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(8)));
    }

    [Fact]
    public void Several_chunks_with_padding_enumerate_in_order()
    {
        byte[] packet = Build((ref SctpPacketWriter w) =>
        {
            w.AddChunk(SctpChunkType.Heartbeat, 0, new byte[] { 0, 1, 0, 5, 9 });
            w.AddChunk(SctpChunkType.CookieAck, 0, ReadOnlySpan<byte>.Empty);
            DataChunk.Write(w.AddChunk(SctpChunkType.Data, DataChunk.FlagBeginning | DataChunk.FlagEnd, DataChunk.HeaderLength + 3), 7, 2, 1, 51, "abc"u8);
        });
        Assert.Equal(SctpReadResult.Ok, SctpPacketReader.TryRead(packet, out SctpPacketReader reader));
        var types = new List<SctpChunkType>();
        foreach (SctpChunk c in reader)
        {
            types.Add(c.Type);
            if (c.Type == SctpChunkType.Data)
            {
                Assert.Equal(SctpReadResult.Ok, DataChunk.TryRead(c.Flags, c.Value, out DataChunk d));
                Assert.Equal((7u, (ushort)2, (ushort)1, 51u), (d.Tsn, d.StreamId, d.StreamSequenceNumber, d.PayloadProtocolId));
                Assert.True(d.IsBeginning && d.IsEnd && !d.IsUnordered);
                Assert.Equal("abc"u8.ToArray(), d.UserData.ToArray());
            }
        }

        Assert.Equal([SctpChunkType.Heartbeat, SctpChunkType.CookieAck, SctpChunkType.Data], types);
    }

    internal static byte[] Build(WriterFill fill, uint tag = 0x01020304)
    {
        byte[] buffer = new byte[4096];
        var writer = new SctpPacketWriter(buffer, 5000, 5000, tag);
        fill(ref writer);
        return buffer[..writer.Finish()];
    }

    internal static void Recrc(byte[] packet) =>
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(8), SctpPacketReader.ComputeChecksum(packet));

    private sealed class CaptureTransport(List<byte[]> sent) : ISctpTransport
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
        {
            sent.Add(packet.ToArray());
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Fills a packet through the ref-struct writer.</summary>
internal delegate void WriterFill(ref SctpPacketWriter writer);
