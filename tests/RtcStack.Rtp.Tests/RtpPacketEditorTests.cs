namespace RtcStack.Rtp.Tests;

public sealed class RtpPacketEditorTests
{
    private static byte[] Sample(bool twoByte = false)
    {
        var buffer = new byte[200];
        var writer = new RtpPacketWriter(buffer, twoByte);
        Assert.True(writer.TryWriteHeader(true, 96, 1000, 90000, 0x11111111, [7u]));
        Assert.True(writer.TryAddExtension(3, [0x00, 0x05]));
        Assert.True(writer.TryAddExtension(4, "v1"u8));
        Assert.True(writer.TryWritePayload([1, 2, 3, 4, 5]));
        Assert.True(writer.TryFinish(out var length, 4));
        return buffer[..length];
    }

    [Fact]
    public void Rewrites_header_fields_in_place()
    {
        var packet = Sample();
        Assert.True(RtpPacketEditor.TrySetSsrc(packet, 0x22222222));
        Assert.True(RtpPacketEditor.TrySetSequenceNumber(packet, 65535));
        Assert.True(RtpPacketEditor.TrySetTimestamp(packet, 0xfffffff0));
        Assert.True(RtpPacketEditor.TrySetPayloadType(packet, 100));
        Assert.True(RtpPacketEditor.TrySetMarker(packet, false));
        Assert.False(RtpPacketEditor.TrySetPayloadType(packet, 128));

        Assert.Equal(RtpReadResult.Ok, RtpPacket.TryRead(packet, out var read));
        Assert.Equal(0x22222222u, read.Ssrc);
        Assert.Equal(65535, read.SequenceNumber);
        Assert.Equal(0xfffffff0u, read.Timestamp);
        Assert.Equal(100, read.PayloadType);
        Assert.False(read.Marker);
        Assert.Equal(7u, read.GetCsrc(0));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, read.Payload.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rewrites_remaps_and_removes_extensions(bool twoByte)
    {
        var packet = Sample(twoByte);
        Assert.True(RtpPacketEditor.TrySetExtension(packet, 3, [0x12, 0x34]));
        Assert.False(RtpPacketEditor.TrySetExtension(packet, 3, [0x12]));
        Assert.True(RtpPacketEditor.TryGetExtensionValue(packet, 3, out var twcc));
        twcc[1]++;
        Assert.True(RtpPacketEditor.TryRemapExtensionId(packet, 4, 9));
        Assert.True(RtpPacketEditor.TryRemoveExtension(packet, 3));
        Assert.False(RtpPacketEditor.TryRemapExtensionId(packet, 9, twoByte ? 256 : 15));

        Assert.Equal(RtpReadResult.Ok, RtpPacket.TryRead(packet, out var read));
        Assert.False(read.TryGetExtension(3, out _));
        Assert.False(read.TryGetExtension(4, out _));
        Assert.True(read.TryGetExtension(9, out var mid));
        Assert.Equal("v1"u8.ToArray(), mid.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, read.Payload.ToArray());
    }

    [Fact]
    public void Refuses_short_or_foreign_packets()
    {
        Assert.False(RtpPacketEditor.TrySetSsrc(new byte[11], 1));
        Assert.False(RtpPacketEditor.TrySetSequenceNumber(new byte[12], 1)); // version 0
        Assert.False(RtpPacketEditor.TrySetExtension(Convert.FromHexString("800000010000000000000001"), 1, [1]));
    }

    [Fact]
    public void Parse_and_rewrite_allocate_nothing()
    {
        var packet = Sample();
        var checksum = 0L;

        void Once(ushort seq)
        {
            RtpPacket.TryRead(packet, out var read);
            checksum += read.Payload.Length;
            RtpPacketEditor.TrySetSequenceNumber(packet, seq);
            RtpPacketEditor.TrySetSsrc(packet, seq);
            RtpPacketEditor.TryGetExtensionValue(packet, 3, out var value);
            value[0] = (byte)seq;
        }

        for (ushort i = 0; i < 100; i++)
        {
            Once(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (ushort i = 0; i < 10_000; i++)
        {
            Once(i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(checksum > 0);
    }
}
