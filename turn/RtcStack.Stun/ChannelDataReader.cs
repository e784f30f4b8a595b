using System.Buffers.Binary;

namespace RtcStack.Stun;

/// <summary>
/// A parsed ChannelData message (RFC 8656 §12.4): channel number and application data, a view
/// over the caller's bytes. Padding to a multiple of 4 is accepted (it is mandatory over TCP,
/// optional over UDP) and not part of <see cref="Data"/>.
/// </summary>
public readonly ref struct ChannelDataReader
{
    private ChannelDataReader(ushort channelNumber, ReadOnlySpan<byte> data)
    {
        ChannelNumber = channelNumber;
        Data = data;
    }

    /// <summary>The channel number, 0x4000-0x4FFF.</summary>
    public ushort ChannelNumber { get; }

    /// <summary>The application data.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>True when the first byte announces ChannelData (first two bits 01, RFC 7983 range 64-79 for valid channels).</summary>
    public static bool IsChannelData(ReadOnlySpan<byte> buffer) => buffer.Length >= 1 && (buffer[0] & 0xC0) == 0x40;

    /// <summary>True for a number a client may bind, 0x4000-0x4FFF (RFC 8656 §12).</summary>
    public static bool IsValidChannelNumber(ushort channelNumber) =>
        channelNumber is >= StunConstants.MinChannelNumber and <= StunConstants.MaxChannelNumber;

    /// <summary>Parses one ChannelData message occupying <paramref name="buffer"/> (plus up to 3 bytes of padding).</summary>
    public static ChannelDataParseResult TryParse(ReadOnlySpan<byte> buffer, out ChannelDataReader reader)
    {
        reader = default;
        if (buffer.Length < StunConstants.ChannelDataHeaderLength)
        {
            return ChannelDataParseResult.TooShort;
        }

        ushort channel = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (!IsValidChannelNumber(channel))
        {
            return ChannelDataParseResult.InvalidChannelNumber;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        int end = StunConstants.ChannelDataHeaderLength + length;
        if (buffer.Length < end)
        {
            return ChannelDataParseResult.TooShort;
        }

        if (buffer.Length > ((end + 3) & ~3))
        {
            return ChannelDataParseResult.LengthMismatch;
        }

        reader = new ChannelDataReader(channel, buffer[StunConstants.ChannelDataHeaderLength..end]);
        return ChannelDataParseResult.Success;
    }
}
