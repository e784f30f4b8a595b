using System.Buffers.Binary;

namespace RtcStack.Stun;

/// <summary>
/// Typed attribute writers for <see cref="StunMessageWriter"/>, the mirror of
/// <see cref="StunMessageReaderExtensions"/>. All allocate nothing and never throw.
/// </summary>
public static class StunMessageWriterExtensions
{
    private const ushort MagicCookieHigh = (ushort)(StunConstants.MagicCookie >> 16);

    /// <summary>MAPPED-ADDRESS (RFC 8489 §14.1).</summary>
    public static void AddMappedAddress(this ref StunMessageWriter writer, TransportAddress address) =>
        AddAddress(ref writer, StunAttributeType.MappedAddress, address, xor: false);

    /// <summary>XOR-MAPPED-ADDRESS (RFC 8489 §14.2).</summary>
    public static void AddXorMappedAddress(this ref StunMessageWriter writer, TransportAddress address) =>
        AddAddress(ref writer, StunAttributeType.XorMappedAddress, address, xor: true);

    /// <summary>XOR-RELAYED-ADDRESS (RFC 8656 §18.5).</summary>
    public static void AddXorRelayedAddress(this ref StunMessageWriter writer, TransportAddress address) =>
        AddAddress(ref writer, StunAttributeType.XorRelayedAddress, address, xor: true);

    /// <summary>XOR-PEER-ADDRESS (RFC 8656 §18.3).</summary>
    public static void AddXorPeerAddress(this ref StunMessageWriter writer, TransportAddress address) =>
        AddAddress(ref writer, StunAttributeType.XorPeerAddress, address, xor: true);

    /// <summary>ALTERNATE-SERVER (RFC 8489 §14.15).</summary>
    public static void AddAlternateServer(this ref StunMessageWriter writer, TransportAddress address) =>
        AddAddress(ref writer, StunAttributeType.AlternateServer, address, xor: false);

    /// <summary>Any address attribute, plain or XOR-ed with the magic cookie and transaction ID (RFC 8489 §14.1-§14.2).</summary>
    public static void AddAddress(this ref StunMessageWriter writer, StunAttributeType type, TransportAddress address, bool xor)
    {
        int addressLength = address.AddressLength;
        if (addressLength == 0)
        {
            writer.MarkInvalid(); // an empty address cannot be encoded
            return;
        }

        ReadOnlySpan<byte> transactionId = writer.TransactionIdBytes;
        Span<byte> value = writer.Reserve(type, 4 + addressLength);
        if (value.IsEmpty)
        {
            return;
        }

        value[0] = 0;
        value[1] = (byte)address.Family;
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], xor ? (ushort)(address.Port ^ MagicCookieHigh) : address.Port);
        Span<byte> bytes = value[4..];
        address.WriteAddressBytes(bytes);
        if (!xor)
        {
            return;
        }

        BinaryPrimitives.WriteUInt32BigEndian(bytes, BinaryPrimitives.ReadUInt32BigEndian(bytes) ^ StunConstants.MagicCookie);
        for (int i = 4; i < bytes.Length; i++)
        {
            bytes[i] ^= transactionId[i - 4];
        }
    }

    /// <summary>ERROR-CODE (RFC 8489 §14.8): code 300..699 and a reason phrase.</summary>
    public static void AddErrorCode(this ref StunMessageWriter writer, int code, scoped ReadOnlySpan<char> reason) =>
        AddCodeWithReason(ref writer, StunAttributeType.ErrorCode, 0, code, reason);

    /// <summary>ADDRESS-ERROR-CODE (RFC 8656 §18.12).</summary>
    public static void AddAddressErrorCode(this ref StunMessageWriter writer, StunAddressFamily family, int code, scoped ReadOnlySpan<char> reason) =>
        AddCodeWithReason(ref writer, StunAttributeType.AddressErrorCode, (byte)family, code, reason);

    /// <summary>UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).</summary>
    public static void AddUnknownAttributes(this ref StunMessageWriter writer, scoped ReadOnlySpan<StunAttributeType> types)
    {
        Span<byte> value = writer.Reserve(StunAttributeType.UnknownAttributes, 2 * types.Length);
        for (int i = 0; i < types.Length && !value.IsEmpty; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(2 * i)..], (ushort)types[i]);
        }
    }

    /// <summary>USERNAME (RFC 8489 §14.3).</summary>
    public static void AddUsername(this ref StunMessageWriter writer, scoped ReadOnlySpan<char> username) => writer.AddText(StunAttributeType.Username, username);

    /// <summary>USERNAME as UTF-8 bytes.</summary>
    public static void AddUsername(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> utf8) => writer.AddAttribute(StunAttributeType.Username, utf8);

    /// <summary>USERHASH (RFC 8489 §14.4), 32 bytes.</summary>
    public static void AddUserHash(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> hash) => writer.AddAttribute(StunAttributeType.UserHash, hash);

    /// <summary>REALM (RFC 8489 §14.9).</summary>
    public static void AddRealm(this ref StunMessageWriter writer, scoped ReadOnlySpan<char> realm) => writer.AddText(StunAttributeType.Realm, realm);

    /// <summary>REALM as UTF-8 bytes.</summary>
    public static void AddRealm(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> utf8) => writer.AddAttribute(StunAttributeType.Realm, utf8);

    /// <summary>NONCE (RFC 8489 §14.10).</summary>
    public static void AddNonce(this ref StunMessageWriter writer, scoped ReadOnlySpan<char> nonce) => writer.AddText(StunAttributeType.Nonce, nonce);

    /// <summary>NONCE as bytes.</summary>
    public static void AddNonce(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> nonce) => writer.AddAttribute(StunAttributeType.Nonce, nonce);

    /// <summary>SOFTWARE (RFC 8489 §14.14).</summary>
    public static void AddSoftware(this ref StunMessageWriter writer, scoped ReadOnlySpan<char> software) => writer.AddText(StunAttributeType.Software, software);

    /// <summary>SOFTWARE as UTF-8 bytes.</summary>
    public static void AddSoftware(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> utf8) => writer.AddAttribute(StunAttributeType.Software, utf8);

    /// <summary>ALTERNATE-DOMAIN (RFC 8489 §14.16).</summary>
    public static void AddAlternateDomain(this ref StunMessageWriter writer, scoped ReadOnlySpan<char> domain) => writer.AddText(StunAttributeType.AlternateDomain, domain);

    /// <summary>PASSWORD-ALGORITHM without parameters (RFC 8489 §14.12).</summary>
    public static void AddPasswordAlgorithm(this ref StunMessageWriter writer, StunPasswordAlgorithm algorithm)
    {
        Span<byte> value = writer.Reserve(StunAttributeType.PasswordAlgorithm, 4);
        WriteAlgorithm(value, algorithm);
    }

    /// <summary>PASSWORD-ALGORITHMS, each without parameters (RFC 8489 §14.11).</summary>
    public static void AddPasswordAlgorithms(this ref StunMessageWriter writer, scoped ReadOnlySpan<StunPasswordAlgorithm> algorithms)
    {
        Span<byte> value = writer.Reserve(StunAttributeType.PasswordAlgorithms, 4 * algorithms.Length);
        for (int i = 0; i < algorithms.Length && !value.IsEmpty; i++)
        {
            WriteAlgorithm(value[(4 * i)..], algorithms[i]);
        }
    }

    /// <summary>LIFETIME in seconds (RFC 8656 §18.2).</summary>
    public static void AddLifetime(this ref StunMessageWriter writer, uint seconds) => AddUInt32(ref writer, StunAttributeType.Lifetime, seconds);

    /// <summary>DATA (RFC 8656 §18.4).</summary>
    public static void AddData(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> data) => writer.AddAttribute(StunAttributeType.Data, data);

    /// <summary>CHANNEL-NUMBER (RFC 8656 §18.1) followed by 16 zero bits.</summary>
    public static void AddChannelNumber(this ref StunMessageWriter writer, ushort channelNumber) =>
        AddUInt32(ref writer, StunAttributeType.ChannelNumber, (uint)channelNumber << 16);

    /// <summary>REQUESTED-TRANSPORT (RFC 8656 §18.8): 17 UDP, 6 TCP.</summary>
    public static void AddRequestedTransport(this ref StunMessageWriter writer, byte protocol) =>
        AddUInt32(ref writer, StunAttributeType.RequestedTransport, (uint)protocol << 24);

    /// <summary>REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6).</summary>
    public static void AddRequestedAddressFamily(this ref StunMessageWriter writer, StunAddressFamily family) =>
        AddUInt32(ref writer, StunAttributeType.RequestedAddressFamily, (uint)family << 24);

    /// <summary>ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.11).</summary>
    public static void AddAdditionalAddressFamily(this ref StunMessageWriter writer, StunAddressFamily family) =>
        AddUInt32(ref writer, StunAttributeType.AdditionalAddressFamily, (uint)family << 24);

    /// <summary>EVEN-PORT (RFC 8656 §18.7).</summary>
    public static void AddEvenPort(this ref StunMessageWriter writer, bool reserveNextPort)
    {
        Span<byte> value = writer.Reserve(StunAttributeType.EvenPort, 1);
        if (!value.IsEmpty)
        {
            value[0] = reserveNextPort ? (byte)0x80 : (byte)0;
        }
    }

    /// <summary>RESERVATION-TOKEN (RFC 8656 §18.10).</summary>
    public static void AddReservationToken(this ref StunMessageWriter writer, ulong token) => AddUInt64(ref writer, StunAttributeType.ReservationToken, token);

    /// <summary>DONT-FRAGMENT (RFC 8656 §18.9), no value.</summary>
    public static void AddDontFragment(this ref StunMessageWriter writer) => writer.Reserve(StunAttributeType.DontFragment, 0);

    /// <summary>ICMP (RFC 8656 §18.13): 7-bit type, 9-bit code, error data.</summary>
    public static void AddIcmp(this ref StunMessageWriter writer, int icmpType, int icmpCode, uint errorData)
    {
        Span<byte> value = writer.Reserve(StunAttributeType.Icmp, 8);
        if (!value.IsEmpty)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value, 0);
            BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)(((icmpType & 0x7F) << 9) | (icmpCode & 0x1FF)));
            BinaryPrimitives.WriteUInt32BigEndian(value[4..], errorData);
        }
    }

    /// <summary>CONNECTION-ID (RFC 6062 §6.2.1).</summary>
    public static void AddConnectionId(this ref StunMessageWriter writer, uint connectionId) => AddUInt32(ref writer, StunAttributeType.ConnectionId, connectionId);

    /// <summary>PRIORITY (RFC 8445 §7.1.1).</summary>
    public static void AddPriority(this ref StunMessageWriter writer, uint priority) => AddUInt32(ref writer, StunAttributeType.Priority, priority);

    /// <summary>USE-CANDIDATE (RFC 8445 §7.1.2), no value.</summary>
    public static void AddUseCandidate(this ref StunMessageWriter writer) => writer.Reserve(StunAttributeType.UseCandidate, 0);

    /// <summary>ICE-CONTROLLED (RFC 8445 §7.1.3).</summary>
    public static void AddIceControlled(this ref StunMessageWriter writer, ulong tieBreaker) => AddUInt64(ref writer, StunAttributeType.IceControlled, tieBreaker);

    /// <summary>ICE-CONTROLLING (RFC 8445 §7.1.3).</summary>
    public static void AddIceControlling(this ref StunMessageWriter writer, ulong tieBreaker) => AddUInt64(ref writer, StunAttributeType.IceControlling, tieBreaker);

    private static void AddCodeWithReason(ref StunMessageWriter writer, StunAttributeType type, byte firstByte, int code, scoped ReadOnlySpan<char> reason)
    {
        if (code is < 300 or > 699)
        {
            writer.MarkInvalid();
            return;
        }

        Span<byte> value = writer.ReserveTextWithPrefix(type, 4, reason);
        if (value.IsEmpty)
        {
            return;
        }

        value[0] = firstByte;
        value[1] = 0;
        value[2] = (byte)((code / 100) & 0x7);
        value[3] = (byte)(code % 100);
    }

    private static void WriteAlgorithm(Span<byte> value, StunPasswordAlgorithm algorithm)
    {
        if (value.Length >= 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value, (ushort)algorithm);
            BinaryPrimitives.WriteUInt16BigEndian(value[2..], 0);
        }
    }

    private static void AddUInt32(ref StunMessageWriter writer, StunAttributeType type, uint value)
    {
        Span<byte> destination = writer.Reserve(type, 4);
        if (!destination.IsEmpty)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, value);
        }
    }

    private static void AddUInt64(ref StunMessageWriter writer, StunAttributeType type, ulong value)
    {
        Span<byte> destination = writer.Reserve(type, 8);
        if (!destination.IsEmpty)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, value);
        }
    }
}
