using System.Buffers.Binary;

namespace RtcStack.Rtp;

/// <summary>
/// Rewrites an RTP packet in place for SFU forwarding (RFC 3550 §5.1, RFC 8285): SSRC, sequence number,
/// timestamp, payload type, marker, extension values and IDs. Allocates nothing; returns false instead of
/// throwing when the packet is too short or malformed.
/// </summary>
public static class RtpPacketEditor
{
    /// <summary>Sets the SSRC.</summary>
    public static bool TrySetSsrc(Span<byte> packet, uint ssrc)
    {
        if (!HasFixedHeader(packet))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(packet[8..], ssrc);
        return true;
    }

    /// <summary>Sets the sequence number.</summary>
    public static bool TrySetSequenceNumber(Span<byte> packet, ushort sequenceNumber)
    {
        if (!HasFixedHeader(packet))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], sequenceNumber);
        return true;
    }

    /// <summary>Sets the RTP timestamp.</summary>
    public static bool TrySetTimestamp(Span<byte> packet, uint timestamp)
    {
        if (!HasFixedHeader(packet))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(packet[4..], timestamp);
        return true;
    }

    /// <summary>Sets the 7-bit payload type, keeping the marker bit.</summary>
    public static bool TrySetPayloadType(Span<byte> packet, byte payloadType)
    {
        if (!HasFixedHeader(packet) || payloadType > 127)
        {
            return false;
        }

        packet[1] = (byte)((packet[1] & 0x80) | payloadType);
        return true;
    }

    /// <summary>Sets or clears the marker bit.</summary>
    public static bool TrySetMarker(Span<byte> packet, bool marker)
    {
        if (!HasFixedHeader(packet))
        {
            return false;
        }

        packet[1] = (byte)(marker ? packet[1] | 0x80 : packet[1] & 0x7F);
        return true;
    }

    /// <summary>Overwrites the value of extension <paramref name="id"/>; the new value must have the same length.</summary>
    public static bool TrySetExtension(Span<byte> packet, int id, ReadOnlySpan<byte> value)
    {
        if (!TryLocate(packet, id, out var offset, out var length, out _) || length != value.Length)
        {
            return false;
        }

        value.CopyTo(packet.Slice(offset, length));
        return true;
    }

    /// <summary>Gives write access to the value of extension <paramref name="id"/> (e.g. a transport-wide sequence number).</summary>
    public static bool TryGetExtensionValue(Span<byte> packet, int id, out Span<byte> value)
    {
        if (!TryLocate(packet, id, out var offset, out var length, out _))
        {
            value = default;
            return false;
        }

        value = packet.Slice(offset, length);
        return true;
    }

    /// <summary>
    /// Changes the ID of extension <paramref name="oldId"/> to <paramref name="newId"/> (the consumer side negotiated
    /// other IDs than the producer side). In the one-byte form <paramref name="newId"/> must be 1-14.
    /// </summary>
    public static bool TryRemapExtensionId(Span<byte> packet, int oldId, int newId)
    {
        if (!TryLocate(packet, oldId, out var offset, out _, out var oneByte))
        {
            return false;
        }

        if (oneByte)
        {
            if (newId is < 1 or > 14)
            {
                return false;
            }

            packet[offset - 1] = (byte)((newId << 4) | (packet[offset - 1] & 0x0F));
            return true;
        }

        if (newId is < 1 or > 255)
        {
            return false;
        }

        packet[offset - 2] = (byte)newId;
        return true;
    }

    /// <summary>Turns extension <paramref name="id"/> into padding bytes (RFC 8285 §4.2/§4.3), removing it without moving data.</summary>
    public static bool TryRemoveExtension(Span<byte> packet, int id)
    {
        if (!TryLocate(packet, id, out var offset, out var length, out var oneByte))
        {
            return false;
        }

        var preamble = oneByte ? 1 : 2;
        packet.Slice(offset - preamble, length + preamble).Clear();
        return true;
    }

    private static bool HasFixedHeader(ReadOnlySpan<byte> packet)
        => packet.Length >= RtpPacket.FixedHeaderLength && packet[0] >> 6 == 2;

    private static bool TryLocate(Span<byte> packet, int id, out int offset, out int length, out bool oneByte)
    {
        offset = 0;
        length = 0;
        oneByte = false;
        if (RtpPacket.TryGetHeaderLength(packet, out var headerLength) != RtpReadResult.Ok || (packet[0] & 0x10) == 0)
        {
            return false;
        }

        // Only the header matters here, so padding (possibly encrypted) is not looked at.
        var extOffset = RtpPacket.FixedHeaderLength + (4 * (packet[0] & 0x0F)) + 4;
        var profile = BinaryPrimitives.ReadUInt16BigEndian(packet[(extOffset - 4)..]);
        oneByte = profile == RtpPacket.OneByteExtensionProfile;
        foreach (var element in new RtpExtensionEnumerator(packet[extOffset..headerLength], profile, extOffset))
        {
            if (element.Id == id)
            {
                offset = element.ValueOffset;
                length = element.Value.Length;
                return true;
            }
        }

        return false;
    }
}
