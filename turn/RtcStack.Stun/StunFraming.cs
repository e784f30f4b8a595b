using System.Buffers.Binary;

namespace RtcStack.Stun;

/// <summary>
/// Framing of STUN and ChannelData messages on a stream (TCP or TLS): RFC 8656 §12.5 (ChannelData
/// padded to 4 bytes over streams), RFC 6544 / RFC 8489 §6.2.2 (STUN messages back to back).
/// </summary>
public static class StunFraming
{
    /// <summary>Largest frame: a STUN header plus the largest body.</summary>
    public const int MaxFrameLength = StunConstants.HeaderLength + StunConstants.MaxMessageBodyLength;

    /// <summary>
    /// Looks at the start of <paramref name="buffer"/> and reports the kind and total length of the
    /// first frame (which may not have fully arrived yet).
    /// </summary>
    public static StunFrameKind TryGetFrameLength(ReadOnlySpan<byte> buffer, out int frameLength)
    {
        frameLength = 0;
        if (buffer.IsEmpty)
        {
            return StunFrameKind.NeedMoreData;
        }

        switch (buffer[0] & 0xC0)
        {
            case 0x00:
                return StunFrame(buffer, out frameLength);
            case 0x40:
                return ChannelDataFrame(buffer, out frameLength);
            default:
                return StunFrameKind.Invalid;
        }
    }

    private static StunFrameKind StunFrame(ReadOnlySpan<byte> buffer, out int frameLength)
    {
        frameLength = 0;
        if (buffer.Length < 8)
        {
            return StunFrameKind.NeedMoreData;
        }

        int body = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if ((body & 3) != 0 || BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]) != StunConstants.MagicCookie)
        {
            return StunFrameKind.Invalid;
        }

        frameLength = StunConstants.HeaderLength + body;
        return StunFrameKind.Stun;
    }

    private static StunFrameKind ChannelDataFrame(ReadOnlySpan<byte> buffer, out int frameLength)
    {
        frameLength = 0;
        if (buffer.Length < StunConstants.ChannelDataHeaderLength)
        {
            return StunFrameKind.NeedMoreData;
        }

        if (!ChannelDataReader.IsValidChannelNumber(BinaryPrimitives.ReadUInt16BigEndian(buffer)))
        {
            return StunFrameKind.Invalid;
        }

        frameLength = ChannelDataWriter.GetLength(BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]), padded: true);
        return StunFrameKind.ChannelData;
    }
}
