using RtcStack.Sctp.DataChannels;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

/// <summary>
/// Packets captured from Chromium 156 (dcSCTP): two RTCPeerConnections in one headless page, logged by
/// dcSCTP's text-pcap packet observer (run with <c>--enable-logging=stderr --v=3</c>, lines tagged
/// SCTP_PACKET). Both sides sent INIT at once, so this is also a real INIT collision.
/// </summary>
public sealed class ChromiumCaptureTests
{
    public const string Init = "138813880000000041fb8dee0100001ec4f9484500500000ffffffffe3f3b8bbc00000048008000682c00000";

    private const string InitAck = "13881388c4f94845579820b8020000524cf89c1b00500000ffffffffdddf33a0000700346463534354503030c4f948454cf89c1be3f3b8bbdddf33a00050000000000000000000000100010000000000ffffffffc00000048008000682c00000";

    private const string CookieEcho = "13881388c4f94845c27c534e0a00003464635343545030304cf89c1bc4f94845dddf33a0e3f3b8bb0050000000000000000000000100010000000000ffffffff";

    private const string CookieAck = "13881388c4f94845b77c33980b000004";

    private const string DcepOpen = "13881388c4f948459a5cb7800003001fdddf33a0000100000000003203000100000000000003000063617000";

    private const string TextHello = "13881388c4f9484509e9694000030015dddf33a1000100010000003368656c6c6f000000";

    private const string Sack = "13881388c4f948458a1a60d803000010e3f3b8bb0048000000000000";

    public static TheoryData<string> All => new() { Init, InitAck, CookieEcho, CookieAck, DcepOpen, TextHello, Sack };

    [Theory]
    [MemberData(nameof(All))]
    public void Every_captured_packet_passes_the_crc32c_check(string hex) =>
        Assert.Equal(SctpReadResult.Ok, SctpPacketReader.TryRead(Convert.FromHexString(hex), out _));

    [Fact]
    public void Init_fields()
    {
        InitChunk init = ReadInit(Init, out uint tag);
        Assert.Equal(0u, tag);
        Assert.Equal(0xC4F94845u, init.InitiateTag);
        Assert.Equal(5u * 1024 * 1024, init.AdvertisedReceiverWindow);
        Assert.Equal((65535, 65535), (init.OutboundStreams, init.InboundStreams));
        Assert.Equal(0xE3F3B8BBu, init.InitialTsn);
        Assert.True(init.SupportsForwardTsn && init.SupportsReConfig);
        Assert.True(init.StateCookie.IsEmpty);
    }

    [Fact]
    public void Init_ack_carries_a_cookie_and_the_collision_keeps_the_original_tag()
    {
        InitChunk ack = ReadInit(InitAck, out uint tag);
        Assert.Equal(0xC4F94845u, tag); // sent to the peer's tag from its INIT
        Assert.Equal(0x4CF89C1Bu, ack.InitiateTag);
        Assert.Equal(0x34 - 4, ack.StateCookie.Length);
        Assert.True(ack.StateCookie.StartsWith("dcSCTP00"u8));
    }

    [Fact]
    public void Dcep_open_and_text_message_decode()
    {
        DataChunk open = ReadData(DcepOpen);
        Assert.Equal((1, (ushort)0, PayloadProtocol.Dcep), (open.StreamId, open.StreamSequenceNumber, open.PayloadProtocolId));
        Assert.True(open.IsBeginning && open.IsEnd && !open.IsUnordered);
        Assert.Equal(SctpReadResult.Ok, DcepMessage.TryRead(open.UserData, out DcepMessage m));
        Assert.Equal((DcepMessage.TypeOpen, (byte)0, (ushort)256, 0u), (m.MessageType, m.ChannelType, m.Priority, m.ReliabilityParameter));
        Assert.Equal("cap"u8.ToArray(), m.Label.ToArray());

        DataChunk hello = ReadData(TextHello);
        Assert.Equal((1, (ushort)1, PayloadProtocol.String), (hello.StreamId, hello.StreamSequenceNumber, hello.PayloadProtocolId));
        Assert.Equal("hello"u8.ToArray(), hello.UserData.ToArray());
    }

    [Fact]
    public void Sack_decodes()
    {
        Assert.Equal(SctpReadResult.Ok, SctpPacketReader.TryRead(Convert.FromHexString(Sack), out SctpPacketReader reader));
        var chunks = reader.GetEnumerator();
        Assert.True(chunks.MoveNext());
        Assert.Equal(SctpReadResult.Ok, SackChunk.TryRead(chunks.Current.Value, out SackChunk sack));
        Assert.Equal(0xE3F3B8BBu, sack.CumulativeTsnAck);
        Assert.Equal(0x480000u, sack.AdvertisedReceiverWindow);
        Assert.Equal((0, 0), (sack.GapBlockCount, sack.DuplicateCount));
    }

    [Fact]
    public void Our_association_answers_the_captured_init()
    {
        var sent = new List<byte[]>();
        var association = new SctpAssociation(new Capture(sent), new SctpAssociationOptions(), new ManualTimeProvider());
        association.HandlePacket(Convert.FromHexString(Init));
        InitChunk ack = ReadInit(Convert.ToHexString(Assert.Single(sent)), out uint tag);
        Assert.Equal(0xC4F94845u, tag);
        Assert.False(ack.StateCookie.IsEmpty);
    }

    private static InitChunk ReadInit(string hex, out uint tag)
    {
        byte[] packet = Convert.FromHexString(hex);
        Assert.Equal(SctpReadResult.Ok, SctpPacketReader.TryRead(packet, out SctpPacketReader reader));
        tag = reader.VerificationTag;
        var chunks = reader.GetEnumerator();
        Assert.True(chunks.MoveNext());
        Assert.True(chunks.Current.Type is SctpChunkType.Init or SctpChunkType.InitAck);
        Assert.Equal(SctpReadResult.Ok, InitChunk.TryRead(chunks.Current.Value, out InitChunk init));
        return init;
    }

    private static DataChunk ReadData(string hex)
    {
        byte[] packet = Convert.FromHexString(hex);
        Assert.Equal(SctpReadResult.Ok, SctpPacketReader.TryRead(packet, out SctpPacketReader reader));
        var chunks = reader.GetEnumerator();
        Assert.True(chunks.MoveNext());
        Assert.Equal(SctpChunkType.Data, chunks.Current.Type);
        Assert.Equal(SctpReadResult.Ok, DataChunk.TryRead(chunks.Current.Flags, chunks.Current.Value, out DataChunk data));
        return data;
    }

    private sealed class Capture(List<byte[]> sent) : ISctpTransport
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
        {
            sent.Add(packet.ToArray());
            return ValueTask.CompletedTask;
        }
    }
}
