using FsCheck.Xunit;
using RtcStack.Rtp.Rtcp;

namespace RtcStack.Rtp.Tests;

public sealed class RtcpTests
{
    [Theory]
    [InlineData("80c8", true)]
    [InlineData("80c9", true)]
    [InlineData("80cd", true)]
    [InlineData("80df", true)]
    [InlineData("80c0", true)]
    [InlineData("806f", false)]
    [InlineData("80e0", false)]
    [InlineData("80bf", false)]
    [InlineData("80", false)]
    public void IsRtcp_looks_at_the_payload_type_byte(string hex, bool expected)
        => Assert.Equal(expected, RtcpPacket.IsRtcp(Convert.FromHexString(hex)));

    [Fact]
    public void Compound_sender_report_sdes_and_bye()
    {
        var buffer = new byte[1500];
        var block = new RtcpReportBlock(0xAABBCCDD, 25, -3, 0x0001_0010, 120, 0x12345678, 65536);
        var info = new RtcpSenderInfo(0xE1234567_89ABCDEF, 90000, 10, 12000);
        Assert.True(RtcpSenderReport.TryWrite(buffer, 0x01020304, info, [block], out var sr));
        Assert.True(RtcpSdesReader.TryWriteCname(buffer.AsSpan(sr), 0x01020304, "user@host"u8, out var sdes));
        Assert.True(RtcpBye.TryWrite(buffer.AsSpan(sr + sdes), [0x01020304u, 5u], "bye"u8, out var bye));
        var compound = buffer.AsSpan(0, sr + sdes + bye);

        var reader = new RtcpCompoundReader(compound);
        var types = new List<RtcpPacketType>();
        while (reader.TryReadNext(out var packet))
        {
            types.Add(packet.PacketType);
            switch (packet.PacketType)
            {
                case RtcpPacketType.SenderReport:
                    Assert.Equal(RtcpReadResult.Ok, RtcpSenderReport.TryRead(packet, out var report));
                    Assert.Equal(0x01020304u, report.Ssrc);
                    Assert.Equal(info, report.SenderInfo);
                    Assert.Equal(1, report.ReportCount);
                    Assert.Equal(block, report.GetReportBlock(0));
                    break;
                case RtcpPacketType.SourceDescription:
                    Assert.Equal(RtcpReadResult.Ok, RtcpSdesReader.TryRead(packet, out var items));
                    Assert.True(items.TryReadNext(out var item));
                    Assert.Equal(RtcpSdesItemType.Cname, item.Type);
                    Assert.Equal("user@host"u8.ToArray(), item.Value.ToArray());
                    Assert.False(items.TryReadNext(out _));
                    Assert.Equal(RtcpReadResult.Ok, items.Result);
                    break;
                case RtcpPacketType.Bye:
                    Assert.Equal(RtcpReadResult.Ok, RtcpBye.TryRead(packet, out var goodbye));
                    Assert.Equal(2, goodbye.SourceCount);
                    Assert.Equal(5u, goodbye.GetSource(1));
                    Assert.Equal("bye"u8.ToArray(), goodbye.Reason.ToArray());
                    break;
                default:
                    Assert.Fail(packet.PacketType.ToString());
                    break;
            }
        }

        Assert.Equal(RtcpReadResult.Ok, reader.Result);
        Assert.Equal([RtcpPacketType.SenderReport, RtcpPacketType.SourceDescription, RtcpPacketType.Bye], types);
    }

    [Fact]
    public void Ntp_timestamp_and_compact_form()
    {
        // 1 Jan 1970 is 2,208,988,800 s after the NTP epoch; half a second is fraction 2^31.
        var ntp = RtcpSenderInfo.ToNtpTimestamp(new DateTimeOffset(1970, 1, 1, 0, 0, 0, 500, TimeSpan.Zero));
        Assert.Equal((2_208_988_800UL << 32) | 0x8000_0000UL, ntp);
        Assert.Equal(0x7E808000u, new RtcpSenderInfo(ntp, 0, 0, 0).CompactNtp);
    }

    [Fact]
    public void Sdes_with_several_chunks_and_items()
    {
        // RFC 3550 §6.5: two chunks; the first has CNAME and NAME, the second TOOL.
        var data = Convert.FromHexString("82ca0007" + "00000001" + "0103616263" + "02017a" + "00000000" + "00000002" + "0602782e" + "00000000");
        Assert.Equal(RtcpReadResult.Ok, RtcpPacket.TryRead(data, out var packet, out _));
        Assert.Equal(RtcpReadResult.Ok, RtcpSdesReader.TryRead(packet, out var reader));
        var seen = new List<(uint, RtcpSdesItemType, string)>();
        while (reader.TryReadNext(out var item))
        {
            seen.Add((item.Ssrc, item.Type, System.Text.Encoding.ASCII.GetString(item.Value)));
        }

        Assert.Equal(RtcpReadResult.Ok, reader.Result);
        Assert.Equal([(1u, RtcpSdesItemType.Cname, "abc"), (1u, RtcpSdesItemType.Name, "z"), (2u, RtcpSdesItemType.Tool, "x.")], seen);
    }

    [Property(MaxTest = 200)]
    public bool Receiver_report_round_trips(uint ssrc, uint[] sources, int lost, byte fraction)
    {
        lost = Math.Clamp(lost, -0x800000, 0x7FFFFF);
        var blocks = sources.Take(31).Select((s, i) => new RtcpReportBlock(s, fraction, lost, s ^ 0xFFFF, (uint)i, s + 1, s + 2)).ToArray();
        var buffer = new byte[1500];
        if (!RtcpReceiverReport.TryWrite(buffer, ssrc, blocks, out var written)
            || RtcpPacket.TryRead(buffer.AsSpan(0, written), out var packet, out var length) != RtcpReadResult.Ok
            || RtcpReceiverReport.TryRead(packet, out var report) != RtcpReadResult.Ok)
        {
            return false;
        }

        var same = report.Ssrc == ssrc && report.ReportCount == blocks.Length && length == written;
        for (var i = 0; i < blocks.Length; i++)
        {
            same &= report.GetReportBlock(i) == blocks[i];
        }

        return same;
    }

    [Theory]
    [InlineData(new ushort[] { 1, 2, 5, 17, 18, 40 }, "810d0005" + "00000001" + "00000002" + "00018009" + "00120000" + "00280000")]
    [InlineData(new ushort[] { 65534, 65535, 0, 3 }, "810d0003" + "00000001" + "00000002" + "fffe0013")]
    [InlineData(new ushort[] { 7 }, "810d0003" + "00000001" + "00000002" + "00070000")]
    public void Generic_nack_packs_pid_and_blp(ushort[] lost, string expectedHex)
    {
        var buffer = new byte[100];
        Assert.True(RtcpGenericNack.TryWrite(buffer, 1, 2, lost, out var written));
        var expected = Convert.FromHexString(expectedHex);
        expected[1] = 205;
        Assert.Equal(expected, buffer[..written]);

        Assert.Equal(RtcpReadResult.Ok, RtcpPacket.TryRead(buffer.AsSpan(0, written), out var packet, out _));
        Assert.Equal(RtcpReadResult.Ok, RtcpGenericNack.TryRead(packet, out var nack));
        Assert.Equal(2u, nack.MediaSsrc);
        var decoded = new ushort[64];
        var count = nack.GetLostSequenceNumbers(decoded);
        Assert.Equal(lost, decoded[..count]);
    }

    [Fact]
    public void Pli_fir_and_remb_write_and_read()
    {
        var buffer = new byte[100];
        Assert.True(RtcpPictureLossIndication.TryWrite(buffer, 0x11, 0x22, out var pli));
        Assert.Equal(Convert.FromHexString("81ce0002" + "00000011" + "00000022"), buffer[..pli]);
        Assert.Equal(RtcpReadResult.Ok, RtcpPacket.TryRead(buffer.AsSpan(0, pli), out var pliPacket, out _));
        Assert.Equal(RtcpReadResult.Ok, RtcpPictureLossIndication.TryRead(pliPacket, out var sender, out var media));
        Assert.Equal((0x11u, 0x22u), (sender, media));
        Assert.Equal(RtcpReadResult.WrongType, RtcpGenericNack.TryRead(pliPacket, out _));

        Assert.True(RtcpFullIntraRequest.TryWrite(buffer, 0x11, [new RtcpFirEntry(0x33, 9)], out var fir));
        Assert.Equal(Convert.FromHexString("84ce0004" + "00000011" + "00000000" + "00000033" + "09000000"), buffer[..fir]);
        Assert.Equal(RtcpReadResult.Ok, RtcpPacket.TryRead(buffer.AsSpan(0, fir), out var firPacket, out _));
        Assert.Equal(RtcpReadResult.Ok, RtcpFullIntraRequest.TryRead(firPacket, out var request));
        Assert.Equal(new RtcpFirEntry(0x33, 9), request.GetEntry(0));

        // draft-alvestrand-rmcat-remb §2.2: 8,927,168 bps = 139,487 · 2^6.
        Assert.True(RtcpRemb.TryWrite(buffer, 0x11, 8_927_168, [0x44u, 0x55u], out var remb));
        Assert.Equal(Convert.FromHexString("8fce0006" + "00000011" + "00000000" + "52454d42" + "02" + "1a" + "20df" + "00000044" + "00000055"), buffer[..remb]);
        Assert.Equal(RtcpReadResult.Ok, RtcpPacket.TryRead(buffer.AsSpan(0, remb), out var rembPacket, out _));
        Assert.Equal(RtcpReadResult.Ok, RtcpRemb.TryRead(rembPacket, out var estimate));
        Assert.Equal(8_927_168ul, estimate.Bitrate);
        Assert.Equal(0x55u, estimate.GetSsrc(1));
    }

    [Theory]
    [InlineData("80c8000c")] // length past the end
    [InlineData("00c80000")] // version 0
    [InlineData("a0c90000")] // padding count 0 in a header-only packet
    public void Malformed_compounds_stop_with_a_result(string hex)
    {
        var reader = new RtcpCompoundReader(Convert.FromHexString(hex));
        Assert.False(reader.TryReadNext(out _));
        Assert.NotEqual(RtcpReadResult.Ok, reader.Result);
    }

    [Fact]
    public void Readers_never_throw_on_random_bytes()
    {
        var random = new Random(7);
        Span<TransportFeedbackPacket> packets = new TransportFeedbackPacket[256];
        Span<ushort> lost = new ushort[256];
        for (var i = 0; i < 20_000; i++)
        {
            var data = new byte[random.Next(0, 120)];
            random.NextBytes(data);
            if (data.Length >= 4)
            {
                data[0] = (byte)(0x80 | (data[0] & 0x3F));
                data[1] = (byte)(200 + (i % 7));
                data[2] = 0;
                data[3] = (byte)Math.Min(data[3], (data.Length / 4) - 1);
            }

            var reader = new RtcpCompoundReader(data);
            while (reader.TryReadNext(out var packet))
            {
                RtcpSenderReport.TryRead(packet, out _);
                RtcpReceiverReport.TryRead(packet, out _);
                if (RtcpSdesReader.TryRead(packet, out var sdes) == RtcpReadResult.Ok)
                {
                    while (sdes.TryReadNext(out _))
                    {
                    }
                }

                RtcpBye.TryRead(packet, out _);
                if (RtcpGenericNack.TryRead(packet, out var nack) == RtcpReadResult.Ok)
                {
                    nack.GetLostSequenceNumbers(lost);
                }

                RtcpFullIntraRequest.TryRead(packet, out _);
                RtcpRemb.TryRead(packet, out _);
                if (RtcpTransportFeedback.TryRead(packet, out var twcc) == RtcpReadResult.Ok)
                {
                    twcc.GetPackets(packets);
                }
            }
        }
    }
}
