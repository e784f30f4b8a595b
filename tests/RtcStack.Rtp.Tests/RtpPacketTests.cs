using FsCheck.Xunit;

namespace RtcStack.Rtp.Tests;

public sealed class RtpPacketTests
{
    // Opus packet as Chrome sends it: one-byte extensions audio-level (id 1), abs-send-time (id 2),
    // transport-wide-cc (id 3), mid (id 4) in a 0xBEDE block (RFC 8285 §4.2), then the payload.
    private static readonly byte[] ChromeOpus = Convert.FromHexString(
        "90" + "6f" + "1234" + "00bb8000" + "deadbeef" +
        "bede" + "0004" + "10" + "ff" + "22" + "a1b2c3" + "31" + "0102" + "40" + "30" + "0000000000" +
        "fcff fe".Replace(" ", string.Empty, StringComparison.Ordinal));

    [Fact]
    public void Reads_a_chrome_style_opus_packet()
    {
        Assert.Equal(RtpReadResult.Ok, RtpPacket.TryRead(ChromeOpus, out var packet));
        Assert.False(packet.Marker);
        Assert.Equal(111, packet.PayloadType);
        Assert.Equal(0x1234, packet.SequenceNumber);
        Assert.Equal(0x00bb8000u, packet.Timestamp);
        Assert.Equal(0xdeadbeefu, packet.Ssrc);
        Assert.Equal(RtpPacket.OneByteExtensionProfile, packet.ExtensionProfile);
        Assert.Equal(32, packet.HeaderLength);
        Assert.Equal(new byte[] { 0xfc, 0xff, 0xfe }, packet.Payload.ToArray());

        Assert.True(packet.TryGetExtension(1, out var level));
        Assert.Equal(new byte[] { 0xff }, level.ToArray());
        Assert.True(packet.TryGetExtension(2, out var abs));
        Assert.Equal(new byte[] { 0xa1, 0xb2, 0xc3 }, abs.ToArray());
        Assert.True(packet.TryGetExtension(3, out var twcc));
        Assert.Equal(new byte[] { 0x01, 0x02 }, twcc.ToArray());
        Assert.True(packet.TryGetExtension(4, out var mid));
        Assert.Equal("0"u8.ToArray(), mid.ToArray());
        Assert.False(packet.TryGetExtension(5, out _));
    }

    [Theory]
    [InlineData("", RtpReadResult.TooShort)]
    [InlineData("80000001000000000000", RtpReadResult.TooShort)]
    [InlineData("400000010000000000000001", RtpReadResult.BadVersion)]
    [InlineData("820000010000000000000001" + "00000001", RtpReadResult.TruncatedCsrc)]
    [InlineData("900000010000000000000001" + "bede", RtpReadResult.TruncatedExtension)]
    [InlineData("900000010000000000000001" + "bede0002" + "10ff0000", RtpReadResult.TruncatedExtension)]
    [InlineData("a00000010000000000000001" + "aabb00", RtpReadResult.BadPadding)]
    [InlineData("a00000010000000000000001" + "aabb04", RtpReadResult.BadPadding)]
    [InlineData("a00000010000000000000001" + "aabb03", RtpReadResult.Ok)]
    [InlineData("800000010000000000000001", RtpReadResult.Ok)]
    [InlineData("810000010000000000000001" + "00000002", RtpReadResult.Ok)]
    public void Result_table(string hex, RtpReadResult expected)
        => Assert.Equal(expected, RtpPacket.TryRead(Convert.FromHexString(hex), out _));

    [Fact]
    public void Padding_and_csrcs_are_exposed()
    {
        var data = Convert.FromHexString("a2e1ffff" + "00000010" + "00000001" + "0000000a" + "0000000b" + "5566" + "000003");
        Assert.Equal(RtpReadResult.Ok, RtpPacket.TryRead(data, out var packet));
        Assert.True(packet.Marker);
        Assert.Equal(97, packet.PayloadType);
        Assert.Equal(2, packet.CsrcCount);
        Assert.Equal(0xau, packet.GetCsrc(0));
        Assert.Equal(0xbu, packet.GetCsrc(1));
        Assert.Equal(3, packet.PaddingLength);
        Assert.Equal(new byte[] { 0x55, 0x66 }, packet.Payload.ToArray());
    }

    [Fact]
    public void Two_byte_extensions_with_padding_and_empty_values()
    {
        var data = Convert.FromHexString("90000001" + "00000000" + "00000001" + "1000" + "0003" + "0100" + "00" + "0f03aabbcc" + "00000000");
        Assert.Equal(RtpReadResult.Ok, RtpPacket.TryRead(data, out var packet));
        var ids = new List<int>();
        foreach (var element in packet.Extensions)
        {
            ids.Add(element.Id);
        }

        Assert.Equal([1, 15], ids);
        Assert.True(packet.TryGetExtension(1, out var empty));
        Assert.True(empty.IsEmpty);
        Assert.True(packet.TryGetExtension(15, out var value));
        Assert.Equal(new byte[] { 0xaa, 0xbb, 0xcc }, value.ToArray());
    }

    [Fact]
    public void One_byte_id_15_stops_parsing()
    {
        var data = Convert.FromHexString("90000001" + "00000000" + "00000001" + "bede0001" + "10aaf0bb");
        Assert.Equal(RtpReadResult.Ok, RtpPacket.TryRead(data, out var packet));
        Assert.True(packet.TryGetExtension(1, out _));
        Assert.False(packet.TryGetExtension(15, out _));
    }

    [Fact]
    public void Never_throws_on_random_bytes()
    {
        var random = new Random(42);
        for (var i = 0; i < 20_000; i++)
        {
            var data = new byte[random.Next(0, 80)];
            random.NextBytes(data);
            if (data.Length > 0 && i % 2 == 0)
            {
                data[0] = (byte)(0x80 | (data[0] & 0x3F));
            }

            if (RtpPacket.TryRead(data, out var packet) == RtpReadResult.Ok)
            {
                _ = packet.Payload.Length;
                foreach (var element in packet.Extensions)
                {
                    Assert.InRange(element.ValueOffset + element.Value.Length, 0, data.Length);
                }
            }

            RtpPacketEditor.TrySetExtension(data, 1, [1]);
            RtpPacketEditor.TryRemapExtensionId(data, 1, 2);
            RtpPacketEditor.TryRemoveExtension(data, 3);
        }
    }

    [Property(MaxTest = 300)]
    public bool Write_then_read_round_trips(bool marker, byte payloadType, ushort sequence, uint timestamp, uint ssrc, uint[] csrcs, byte[] payload, byte padding, bool twoByte, byte[] extension)
    {
        payloadType &= 0x7F;
        csrcs = csrcs.Take(15).ToArray();
        var value = twoByte ? extension.Take(255).ToArray() : extension.Take(16).ToArray();
        var addExtension = twoByte || value.Length > 0;
        var buffer = new byte[2000];
        var writer = new RtpPacketWriter(buffer, twoByte);
        var length = 0;
        var ok = writer.TryWriteHeader(marker, payloadType, sequence, timestamp, ssrc, csrcs)
            && (!addExtension || writer.TryAddExtension(twoByte ? 200 : 7, value))
            && writer.TryWritePayload(payload)
            && writer.TryFinish(out length, padding);
        if (!ok)
        {
            return false;
        }

        if (RtpPacket.TryRead(buffer.AsSpan(0, length), out var packet) != RtpReadResult.Ok)
        {
            return false;
        }

        var csrcOk = true;
        for (var i = 0; i < csrcs.Length; i++)
        {
            csrcOk &= packet.GetCsrc(i) == csrcs[i];
        }

        var extensionOk = !addExtension
            || (packet.TryGetExtension(twoByte ? 200 : 7, out var read) && read.SequenceEqual(value));
        return csrcOk && extensionOk && packet.Marker == marker && packet.PayloadType == payloadType
            && packet.SequenceNumber == sequence && packet.Timestamp == timestamp && packet.Ssrc == ssrc
            && packet.CsrcCount == csrcs.Length && packet.Payload.SequenceEqual(payload) && packet.PaddingLength == padding
            && packet.HeaderLength % 4 == 0;
    }

    [Fact]
    public void Writer_refuses_invalid_input_and_small_buffers()
    {
        var small = new RtpPacketWriter(new byte[11]);
        Assert.False(small.TryWriteHeader(false, 1, 1, 1, 1));

        var oneByte = new RtpPacketWriter(new byte[100]);
        Assert.True(oneByte.TryWriteHeader(false, 1, 1, 1, 1));
        Assert.False(oneByte.TryAddExtension(15, [1]));
        Assert.False(oneByte.TryWritePayload([1]));

        var tooLong = new RtpPacketWriter(new byte[100]);
        Assert.True(tooLong.TryWriteHeader(false, 1, 1, 1, 1));
        Assert.False(tooLong.TryAddExtension(1, new byte[17]));

        var noRoom = new RtpPacketWriter(new byte[20]);
        Assert.True(noRoom.TryWriteHeader(false, 1, 1, 1, 1));
        Assert.False(noRoom.TryWritePayload(new byte[9]));
    }
}
