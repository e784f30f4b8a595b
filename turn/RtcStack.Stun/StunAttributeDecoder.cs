using System.Buffers.Binary;

namespace RtcStack.Stun;

/// <summary>
/// Decoders for attribute values (the bytes of <see cref="StunAttribute.Value"/>). Each returns
/// false for a malformed value and never throws. <see cref="StunMessageReader"/>'s typed getters use
/// these; call them directly when an attribute can repeat (e.g. several XOR-PEER-ADDRESS).
/// </summary>
public static class StunAttributeDecoder
{
    private const ushort MagicCookieHigh = (ushort)(StunConstants.MagicCookie >> 16);

    /// <summary>MAPPED-ADDRESS / ALTERNATE-SERVER format (RFC 8489 §14.1).</summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> value, out TransportAddress address)
    {
        address = default;
        if (!TryReadAddressHeader(value, out ushort port, out ReadOnlySpan<byte> bytes))
        {
            return false;
        }

        return TransportAddress.TryCreate(bytes, port, out address);
    }

    /// <summary>XOR-MAPPED-ADDRESS / XOR-PEER-ADDRESS / XOR-RELAYED-ADDRESS format (RFC 8489 §14.2).</summary>
    /// <param name="value">The attribute value.</param>
    /// <param name="transactionId">The 12-byte transaction ID of the message.</param>
    /// <param name="address">The decoded address.</param>
    public static bool TryReadXorAddress(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, out TransportAddress address)
    {
        address = default;
        if (transactionId.Length != StunConstants.TransactionIdLength
            || !TryReadAddressHeader(value, out ushort port, out ReadOnlySpan<byte> bytes))
        {
            return false;
        }

        port ^= MagicCookieHigh;
        if (bytes.Length == 4)
        {
            address = TransportAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes) ^ StunConstants.MagicCookie, port);
            return true;
        }

        ulong high = BinaryPrimitives.ReadUInt64BigEndian(bytes) ^ (((ulong)StunConstants.MagicCookie << 32) | BinaryPrimitives.ReadUInt32BigEndian(transactionId));
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]) ^ BinaryPrimitives.ReadUInt64BigEndian(transactionId[4..]);
        address = TransportAddress.FromIPv6(high, low, port);
        return true;
    }

    /// <summary>ERROR-CODE (RFC 8489 §14.8): a code in 300..699 and a UTF-8 reason phrase.</summary>
    public static bool TryReadErrorCode(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        code = 0;
        reasonUtf8 = default;
        if (value.Length < 4 || !TryCombineCode(value[2], value[3], out code))
        {
            return false;
        }

        reasonUtf8 = value[4..];
        return true;
    }

    /// <summary>ADDRESS-ERROR-CODE (RFC 8656 §18.12): family, code and reason phrase.</summary>
    public static bool TryReadAddressErrorCode(ReadOnlySpan<byte> value, out StunAddressFamily family, out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        family = default;
        code = 0;
        reasonUtf8 = default;
        if (value.Length < 4 || !TryFamily(value[0], out family) || !TryCombineCode(value[2], value[3], out code))
        {
            return false;
        }

        reasonUtf8 = value[4..];
        return true;
    }

    /// <summary>A 32-bit value (LIFETIME, PRIORITY, CONNECTION-ID).</summary>
    public static bool TryReadUInt32(ReadOnlySpan<byte> value, out uint result)
    {
        result = value.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(value) : 0;
        return value.Length == 4;
    }

    /// <summary>A 64-bit value (RESERVATION-TOKEN, ICE-CONTROLLED, ICE-CONTROLLING).</summary>
    public static bool TryReadUInt64(ReadOnlySpan<byte> value, out ulong result)
    {
        result = value.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(value) : 0;
        return value.Length == 8;
    }

    /// <summary>CHANNEL-NUMBER (RFC 8656 §18.1): 16-bit number then 16 reserved bits. Range is not checked.</summary>
    public static bool TryReadChannelNumber(ReadOnlySpan<byte> value, out ushort channelNumber)
    {
        channelNumber = value.Length == 4 ? BinaryPrimitives.ReadUInt16BigEndian(value) : (ushort)0;
        return value.Length == 4;
    }

    /// <summary>REQUESTED-TRANSPORT (RFC 8656 §18.8): an IP protocol number (17 = UDP, 6 = TCP).</summary>
    public static bool TryReadRequestedTransport(ReadOnlySpan<byte> value, out byte protocol)
    {
        protocol = value.Length == 4 ? value[0] : (byte)0;
        return value.Length == 4;
    }

    /// <summary>REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.6, §18.11).</summary>
    public static bool TryReadAddressFamily(ReadOnlySpan<byte> value, out StunAddressFamily family)
    {
        family = default;
        return value.Length == 4 && TryFamily(value[0], out family);
    }

    /// <summary>EVEN-PORT (RFC 8656 §18.7): the R bit asks to reserve the next port. The value is 1 byte; longer values (some clients send 4) are accepted.</summary>
    public static bool TryReadEvenPort(ReadOnlySpan<byte> value, out bool reserveNextPort)
    {
        reserveNextPort = value.Length >= 1 && (value[0] & 0x80) != 0;
        return value.Length >= 1;
    }

    /// <summary>ICMP (RFC 8656 §18.13): 16 reserved bits, 7-bit type, 9-bit code, 32-bit error data.</summary>
    public static bool TryReadIcmp(ReadOnlySpan<byte> value, out int icmpType, out int icmpCode, out uint errorData)
    {
        icmpType = icmpCode = 0;
        errorData = 0;
        if (value.Length != 8)
        {
            return false;
        }

        int typeAndCode = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        icmpType = typeAndCode >> 9;
        icmpCode = typeAndCode & 0x1FF;
        errorData = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
        return true;
    }

    /// <summary>PASSWORD-ALGORITHM (RFC 8489 §14.12): algorithm and its parameters.</summary>
    public static bool TryReadPasswordAlgorithm(ReadOnlySpan<byte> value, out StunPasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters)
    {
        algorithm = default;
        parameters = default;
        if (value.Length < 4)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        if (4 + length > value.Length)
        {
            return false;
        }

        algorithm = (StunPasswordAlgorithm)BinaryPrimitives.ReadUInt16BigEndian(value);
        parameters = value.Slice(4, length);
        return true;
    }

    /// <summary>PASSWORD-ALGORITHMS (RFC 8489 §14.11): a list of algorithms, each with padded parameters.</summary>
    /// <returns>The number of algorithms in the list (only the first <c>destination.Length</c> are stored), or -1 if malformed.</returns>
    public static int ReadPasswordAlgorithms(ReadOnlySpan<byte> value, Span<StunPasswordAlgorithm> destination)
    {
        int count = 0;
        while (!value.IsEmpty)
        {
            if (!TryReadPasswordAlgorithm(value, out StunPasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters))
            {
                return -1;
            }

            if (count < destination.Length)
            {
                destination[count] = algorithm;
            }

            count++;
            int consumed = 4 + ((parameters.Length + 3) & ~3);
            value = consumed >= value.Length ? default : value[consumed..];
        }

        return count;
    }

    /// <summary>UNKNOWN-ATTRIBUTES (RFC 8489 §14.13): a list of 16-bit types.</summary>
    /// <returns>The number of types in the list (only the first <c>destination.Length</c> are stored), or -1 if malformed.</returns>
    public static int ReadUnknownAttributes(ReadOnlySpan<byte> value, Span<StunAttributeType> destination)
    {
        if ((value.Length & 1) != 0)
        {
            return -1;
        }

        int count = value.Length / 2;
        for (int i = 0; i < count && i < destination.Length; i++)
        {
            destination[i] = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(value[(2 * i)..]);
        }

        return count;
    }

    private static bool TryReadAddressHeader(ReadOnlySpan<byte> value, out ushort port, out ReadOnlySpan<byte> address)
    {
        port = 0;
        address = default;
        if (value.Length < 4 || !TryFamily(value[1], out StunAddressFamily family))
        {
            return false;
        }

        int expected = family == StunAddressFamily.IPv4 ? 8 : 20;
        if (value.Length != expected)
        {
            return false;
        }

        port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        address = value[4..];
        return true;
    }

    private static bool TryFamily(byte value, out StunAddressFamily family)
    {
        family = (StunAddressFamily)value;
        return family is StunAddressFamily.IPv4 or StunAddressFamily.IPv6;
    }

    private static bool TryCombineCode(byte classByte, byte number, out int code)
    {
        int errorClass = classByte & 0x7;
        code = (errorClass * 100) + number;
        return errorClass is >= 3 and <= 6 && number < 100;
    }
}
