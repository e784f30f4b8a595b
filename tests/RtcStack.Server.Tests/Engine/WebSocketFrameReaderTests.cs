using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcStack.Server.Engine;

namespace RtcStack.Server.Tests.Engine;

/// <summary>Client frame headers (RFC 6455 section 5.2) and unmasking (section 5.3), with the RFC's own examples.</summary>
public sealed class WebSocketFrameReaderTests
{
    [Fact]
    public void The_RFC_masked_Hello_frame_reads_and_unmasks()
    {
        // RFC 6455 section 5.7: "A single-frame masked text message".
        byte[] frame = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
        Assert.Equal(FrameReadResult.Ok, WebSocketFrameReader.TryRead(frame, out WebSocketFrameHeader header));
        Assert.Equal((true, WebSocketFrameHeader.Text, 5L, 6), (header.Fin, header.Opcode, header.PayloadLength, header.HeaderLength));
        byte[] payload = new byte[5];
        WebSocketFrameReader.Unmask(frame.AsSpan(6), payload, header.MaskKey, 0);
        Assert.Equal("Hello", Encoding.ASCII.GetString(payload));
    }

    [Theory]
    [InlineData(new byte[] { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f }, (int)FrameReadResult.NotMasked)] // RFC 6455 5.7 unmasked "Hello"
    [InlineData(new byte[] { 0xC1, 0x80, 1, 2, 3, 4 }, (int)FrameReadResult.ReservedBits)]
    [InlineData(new byte[] { 0x83, 0x80, 1, 2, 3, 4 }, (int)FrameReadResult.UnknownOpcode)]
    [InlineData(new byte[] { 0x8B, 0x80, 1, 2, 3, 4 }, (int)FrameReadResult.UnknownOpcode)]
    [InlineData(new byte[] { 0x09, 0x80, 1, 2, 3, 4 }, (int)FrameReadResult.BadControlFrame)] // fragmented ping
    [InlineData(new byte[] { 0x89, 0xFE, 0x00, 0x7E, 1, 2, 3, 4 }, (int)FrameReadResult.BadControlFrame)] // ping of 126 bytes
    [InlineData(new byte[] { 0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 }, (int)FrameReadResult.TooLong)]
    [InlineData(new byte[] { 0x81 }, (int)FrameReadResult.Incomplete)]
    [InlineData(new byte[] { 0x81, 0xFE, 0x01 }, (int)FrameReadResult.Incomplete)]
    [InlineData(new byte[] { 0x81, 0xFF, 0, 0, 0, 0, 0, 0, 1 }, (int)FrameReadResult.Incomplete)]
    [InlineData(new byte[] { 0x81, 0x85, 0x37, 0xfa, 0x21 }, (int)FrameReadResult.Incomplete)] // mask key cut
    public void Bad_or_short_headers_are_values(byte[] bytes, int expected) =>
        Assert.Equal((FrameReadResult)expected, WebSocketFrameReader.TryRead(bytes, out _));

    [Fact]
    public void Sixteen_and_sixty_four_bit_lengths_read()
    {
        // RFC 6455 section 5.7: 256 bytes binary in a single (here masked) frame; 64 KiB binary.
        Assert.Equal(FrameReadResult.Ok, WebSocketFrameReader.TryRead([0x82, 0xFE, 0x01, 0x00, 1, 2, 3, 4], out WebSocketFrameHeader small));
        Assert.Equal((256L, 8), (small.PayloadLength, small.HeaderLength));
        Assert.Equal(FrameReadResult.Ok, WebSocketFrameReader.TryRead([0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4], out WebSocketFrameHeader big));
        Assert.Equal((65536L, 14), (big.PayloadLength, big.HeaderLength));
    }

    [Property]
    public void Reading_never_throws(byte[] bytes) => WebSocketFrameReader.TryRead(bytes ?? [], out _);

    [Property]
    public Property Unmasking_equals_the_rfc_definition(byte[] data, uint mask, byte offset)
    {
        data ??= [];
        byte[] actual = new byte[data.Length];
        WebSocketFrameReader.Unmask(data, actual, mask, offset);
        // RFC 6455 5.3: octet i of the payload is XORed with octet i mod 4 of the key (little-endian in maskKey).
        byte[] expected = [.. data.Select((b, i) => (byte)(b ^ (byte)(mask >> (int)((i + offset) % 4 * 8))))];
        return actual.SequenceEqual(expected).ToProperty();
    }

    [Property]
    public Property Unmasking_in_pieces_equals_unmasking_at_once(byte[] data, uint mask, PositiveInt cut)
    {
        data ??= [];
        int at = cut.Get % (data.Length + 1);
        byte[] whole = new byte[data.Length];
        WebSocketFrameReader.Unmask(data, whole, mask, 0);
        byte[] pieces = new byte[data.Length];
        WebSocketFrameReader.Unmask(data.AsSpan(0, at), pieces, mask, 0);
        WebSocketFrameReader.Unmask(data.AsSpan(at), pieces.AsSpan(at), mask, at);
        byte[] back = new byte[data.Length];
        WebSocketFrameReader.Unmask(whole, back, mask, 0);
        return (whole.SequenceEqual(pieces) && back.SequenceEqual(data)).ToProperty();
    }
}
