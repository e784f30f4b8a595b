using System.Buffers.Binary;

namespace RtcStack.Stun;

/// <summary>
/// Writes ChannelData messages (RFC 8656 §12.4) into caller buffers. To relay without a copy,
/// receive the payload at offset 4 of a buffer and call <see cref="TryWriteHeader"/>.
/// </summary>
public static class ChannelDataWriter
{
    /// <summary>Total size of a ChannelData message for a payload; padded to 4 when <paramref name="padded"/> (TCP).</summary>
    public static int GetLength(int dataLength, bool padded)
    {
        int length = StunConstants.ChannelDataHeaderLength + dataLength;
        return padded ? (length + 3) & ~3 : length;
    }

    /// <summary>Writes the 4-byte header (channel number, data length).</summary>
    /// <returns>False for an invalid channel number, a payload over 65535 bytes, or a short buffer.</returns>
    public static bool TryWriteHeader(Span<byte> destination, ushort channelNumber, int dataLength)
    {
        if (!ChannelDataReader.IsValidChannelNumber(channelNumber) || (uint)dataLength > ushort.MaxValue
            || destination.Length < StunConstants.ChannelDataHeaderLength)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, channelNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)dataLength);
        return true;
    }

    /// <summary>Writes a whole ChannelData message; padding bytes (when asked for) are zero.</summary>
    public static bool TryWrite(Span<byte> destination, ushort channelNumber, ReadOnlySpan<byte> data, bool padded, out int written)
    {
        written = GetLength(data.Length, padded);
        if (destination.Length < written || !TryWriteHeader(destination, channelNumber, data.Length))
        {
            written = 0;
            return false;
        }

        data.CopyTo(destination[StunConstants.ChannelDataHeaderLength..]);
        destination[(StunConstants.ChannelDataHeaderLength + data.Length)..written].Clear();
        return true;
    }
}
