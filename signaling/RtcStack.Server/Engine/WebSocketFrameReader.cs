using System.Buffers.Binary;
using System.Runtime.Intrinsics;

namespace RtcStack.Server.Engine;

/// <summary>What <see cref="WebSocketFrameReader.TryRead"/> made of the bytes at the start of a frame.</summary>
internal enum FrameReadResult
{
    /// <summary>A complete header (the payload may still be incomplete).</summary>
    Ok,

    /// <summary>Not enough bytes for the header yet.</summary>
    Incomplete,

    /// <summary>RSV1-3 set without a negotiated extension (RFC 6455 section 5.2): close 1002.</summary>
    ReservedBits,

    /// <summary>An opcode RFC 6455 section 5.2 reserves: close 1002.</summary>
    UnknownOpcode,

    /// <summary>A control frame that is fragmented or longer than 125 bytes (section 5.5): close 1002.</summary>
    BadControlFrame,

    /// <summary>A client frame without a mask (section 5.1): close 1002.</summary>
    NotMasked,

    /// <summary>A 64-bit length with the top bit set, or above what this server would ever buffer: close 1009.</summary>
    TooLong,
}

/// <summary>One frame header (RFC 6455 section 5.2).</summary>
internal readonly record struct WebSocketFrameHeader(bool Fin, int Opcode, uint MaskKey, long PayloadLength, int HeaderLength)
{
    public const int Continuation = 0x0;
    public const int Text = 0x1;
    public const int Binary = 0x2;
    public const int Close = 0x8;
    public const int Ping = 0x9;
    public const int Pong = 0xA;

    public bool IsControl => Opcode >= Close;
}

/// <summary>Reads client frame headers (RFC 6455 section 5.2) from a span; never throws on bad input.</summary>
internal static class WebSocketFrameReader
{
    /// <summary>Larger lengths are refused before any byte is buffered.</summary>
    public const long MaxPayload = int.MaxValue / 2;

    /// <summary>The longest control frame (14-byte header, 125-byte payload).</summary>
    public const int MaxControlFrame = 14 + 125;

    public static FrameReadResult TryRead(ReadOnlySpan<byte> data, out WebSocketFrameHeader header)
    {
        header = default;
        if (data.Length < 2)
        {
            return FrameReadResult.Incomplete;
        }
        byte b0 = data[0];
        byte b1 = data[1];
        bool fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        if ((b0 & 0x70) != 0)
        {
            return FrameReadResult.ReservedBits;
        }
        if (opcode is not (WebSocketFrameHeader.Continuation or WebSocketFrameHeader.Text or WebSocketFrameHeader.Binary
            or WebSocketFrameHeader.Close or WebSocketFrameHeader.Ping or WebSocketFrameHeader.Pong))
        {
            return FrameReadResult.UnknownOpcode;
        }
        if ((b1 & 0x80) == 0)
        {
            return FrameReadResult.NotMasked;
        }
        long length = b1 & 0x7F;
        int at = 2;
        if (length == 126)
        {
            if (data.Length < 4)
            {
                return FrameReadResult.Incomplete;
            }
            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            at = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10)
            {
                return FrameReadResult.Incomplete;
            }
            ulong big = BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            if (big > MaxPayload)
            {
                return opcode >= WebSocketFrameHeader.Close ? FrameReadResult.BadControlFrame : FrameReadResult.TooLong;
            }
            length = (long)big;
            at = 10;
        }
        if (opcode >= WebSocketFrameHeader.Close && (!fin || length > 125))
        {
            return FrameReadResult.BadControlFrame;
        }
        if (data.Length < at + 4)
        {
            return FrameReadResult.Incomplete;
        }
        uint mask = BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);
        header = new WebSocketFrameHeader(fin, opcode, mask, length, at + 4);
        return FrameReadResult.Ok;
    }

    /// <summary>
    /// Unmasks <paramref name="source"/> into <paramref name="destination"/> (same length); <paramref name="offset"/> is the
    /// position of <paramref name="source"/>[0] in the frame's payload (section 5.3: octet i uses mask octet i mod 4).
    /// </summary>
    public static void Unmask(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, long offset)
    {
        int shift = (int)(offset & 3) * 8;
        uint rotated = shift == 0 ? maskKey : (maskKey >> shift) | (maskKey << (32 - shift));
        int i = 0;
        if (BitConverter.IsLittleEndian && Vector128.IsHardwareAccelerated && source.Length >= Vector128<byte>.Count)
        {
            // 16 bytes at a time: a multiple of 4, so the mask stays in phase. The vector of the uint holds its bytes
            // in memory order, which is the little-endian order the scalar loop below reads (hence the guard).
            Vector128<byte> mask = Vector128.Create(rotated).AsByte();
            int vectors = source.Length & ~(Vector128<byte>.Count - 1);
            for (; i < vectors; i += Vector128<byte>.Count)
            {
                (Vector128.Create(source.Slice(i, Vector128<byte>.Count)) ^ mask).CopyTo(destination.Slice(i, Vector128<byte>.Count));
            }
        }
        int words = source.Length & ~3;
        for (; i < words; i += 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[i..], BinaryPrimitives.ReadUInt32LittleEndian(source[i..]) ^ rotated);
        }
        for (; i < source.Length; i++)
        {
            destination[i] = (byte)(source[i] ^ (byte)(rotated >> ((i & 3) * 8)));
        }
    }
}
