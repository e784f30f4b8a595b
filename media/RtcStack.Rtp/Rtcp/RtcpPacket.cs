using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>
/// One RTCP packet of a compound packet (RFC 3550 §6.4.1 common header): V, P, count/FMT, PT, length.
/// A view over the caller's bytes; never throws on bad input.
/// </summary>
public readonly ref struct RtcpPacket
{
    /// <summary>Size of the common header.</summary>
    public const int HeaderLength = 4;

    private RtcpPacket(ReadOnlySpan<byte> data, int paddingLength)
    {
        Data = data;
        PaddingLength = paddingLength;
    }

    /// <summary>The whole packet, header included, as long as its length field says.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Padding bytes at the end (P bit).</summary>
    public int PaddingLength { get; }

    /// <summary>RC, SC or FMT: the 5-bit field after P.</summary>
    public int Count => Data[0] & 0x1F;

    /// <summary>Feedback message type, same bits as <see cref="Count"/> (RFC 4585 §6.1).</summary>
    public int Format => Data[0] & 0x1F;

    /// <summary>The packet type.</summary>
    public RtcpPacketType PacketType => (RtcpPacketType)Data[1];

    /// <summary>The body after the 4-byte header, padding removed.</summary>
    public ReadOnlySpan<byte> Body => Data[HeaderLength..(Data.Length - PaddingLength)];

    /// <summary>The SSRC that follows the header in every standard RTCP packet (0 when the body is empty).</summary>
    public uint Ssrc => Body.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(Body) : 0;

    /// <summary>
    /// True when an rtcp-mux datagram is RTCP rather than RTP: the second byte (M bit + PT) is 192-223
    /// (RFC 5761 §4). Looks at nothing else.
    /// </summary>
    public static bool IsRtcp(ReadOnlySpan<byte> datagram)
        => datagram.Length >= 2 && datagram[1] is >= 192 and <= 223;

    /// <summary>Reads the packet at the start of <paramref name="data"/>; <paramref name="length"/> is its size in bytes.</summary>
    public static RtcpReadResult TryRead(ReadOnlySpan<byte> data, out RtcpPacket packet, out int length)
    {
        packet = default;
        length = 0;
        if (data.Length < HeaderLength)
        {
            return RtcpReadResult.TooShort;
        }

        if (data[0] >> 6 != 2)
        {
            return RtcpReadResult.BadVersion;
        }

        var size = 4 * (BinaryPrimitives.ReadUInt16BigEndian(data[2..]) + 1);
        if (size > data.Length)
        {
            return RtcpReadResult.TooShort;
        }

        var padding = 0;
        if ((data[0] & 0x20) != 0)
        {
            padding = data[size - 1];
            if (padding == 0 || padding > size - HeaderLength)
            {
                return RtcpReadResult.BadPadding;
            }
        }

        packet = new RtcpPacket(data[..size], padding);
        length = size;
        return RtcpReadResult.Ok;
    }

    /// <summary>Writes a common header for a body of <paramref name="bodyLength"/> bytes (a multiple of 4).</summary>
    internal static void WriteHeader(Span<byte> destination, int count, RtcpPacketType type, int bodyLength, bool padding = false)
    {
        destination[0] = (byte)(0x80 | (padding ? 0x20 : 0) | (count & 0x1F));
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(bodyLength / 4));
    }
}
