namespace RtcStack.Stun;

/// <summary>
/// Typed getters for every attribute of RFC 8489, RFC 8656, RFC 6062 and ICE (RFC 8445) on a
/// <see cref="StunMessageReader"/>. Each returns false when the attribute is absent or malformed
/// and allocates nothing; string-valued attributes come back as UTF-8 spans into the message.
/// </summary>
public static class StunMessageReaderExtensions
{
    /// <summary>MAPPED-ADDRESS (RFC 8489 §14.1).</summary>
    public static bool TryGetMappedAddress(this StunMessageReader reader, out TransportAddress address) =>
        TryGetAddress(reader, StunAttributeType.MappedAddress, xor: false, out address);

    /// <summary>XOR-MAPPED-ADDRESS (RFC 8489 §14.2).</summary>
    public static bool TryGetXorMappedAddress(this StunMessageReader reader, out TransportAddress address) =>
        TryGetAddress(reader, StunAttributeType.XorMappedAddress, xor: true, out address);

    /// <summary>The first XOR-RELAYED-ADDRESS (RFC 8656 §18.5); a dual allocation has two, see <see cref="GetXorAddresses"/>.</summary>
    public static bool TryGetXorRelayedAddress(this StunMessageReader reader, out TransportAddress address) =>
        TryGetAddress(reader, StunAttributeType.XorRelayedAddress, xor: true, out address);

    /// <summary>The first XOR-PEER-ADDRESS (RFC 8656 §18.3); CreatePermission may carry several, see <see cref="GetXorAddresses"/>.</summary>
    public static bool TryGetXorPeerAddress(this StunMessageReader reader, out TransportAddress address) =>
        TryGetAddress(reader, StunAttributeType.XorPeerAddress, xor: true, out address);

    /// <summary>ALTERNATE-SERVER (RFC 8489 §14.15), MAPPED-ADDRESS format.</summary>
    public static bool TryGetAlternateServer(this StunMessageReader reader, out TransportAddress address) =>
        TryGetAddress(reader, StunAttributeType.AlternateServer, xor: false, out address);

    /// <summary>
    /// Every attribute of an XOR-address type, in order (e.g. all XOR-PEER-ADDRESS of a
    /// CreatePermission, RFC 8656 §10).
    /// </summary>
    /// <returns>The number found (only the first <c>destination.Length</c> are stored), or -1 when one is malformed.</returns>
    public static int GetXorAddresses(this StunMessageReader reader, StunAttributeType type, Span<TransportAddress> destination)
    {
        int count = 0;
        ReadOnlySpan<byte> transactionId = reader.TransactionIdBytes;
        foreach (StunAttribute attribute in reader.Attributes)
        {
            if (attribute.Type != type)
            {
                continue;
            }

            if (!StunAttributeDecoder.TryReadXorAddress(attribute.Value, transactionId, out TransportAddress address))
            {
                return -1;
            }

            if (count < destination.Length)
            {
                destination[count] = address;
            }

            count++;
        }

        return count;
    }

    /// <summary>ERROR-CODE (RFC 8489 §14.8): code 300..699 and UTF-8 reason phrase.</summary>
    public static bool TryGetErrorCode(this StunMessageReader reader, out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        code = 0;
        reasonUtf8 = default;
        return reader.TryGetAttribute(StunAttributeType.ErrorCode, out ReadOnlySpan<byte> value)
            && StunAttributeDecoder.TryReadErrorCode(value, out code, out reasonUtf8);
    }

    /// <summary>UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).</summary>
    /// <returns>The number of types listed, or -1 when absent or malformed.</returns>
    public static int GetUnknownAttributes(this StunMessageReader reader, Span<StunAttributeType> destination) =>
        reader.TryGetAttribute(StunAttributeType.UnknownAttributes, out ReadOnlySpan<byte> value)
            ? StunAttributeDecoder.ReadUnknownAttributes(value, destination)
            : -1;

    /// <summary>USERNAME (RFC 8489 §14.3), UTF-8.</summary>
    public static bool TryGetUsername(this StunMessageReader reader, out ReadOnlySpan<byte> utf8) =>
        reader.TryGetAttribute(StunAttributeType.Username, out utf8);

    /// <summary>USERHASH (RFC 8489 §14.4), 32 bytes.</summary>
    public static bool TryGetUserHash(this StunMessageReader reader, out ReadOnlySpan<byte> hash) =>
        reader.TryGetAttribute(StunAttributeType.UserHash, out hash) && hash.Length == 32;

    /// <summary>REALM (RFC 8489 §14.9), UTF-8.</summary>
    public static bool TryGetRealm(this StunMessageReader reader, out ReadOnlySpan<byte> utf8) =>
        reader.TryGetAttribute(StunAttributeType.Realm, out utf8);

    /// <summary>NONCE (RFC 8489 §14.10).</summary>
    public static bool TryGetNonce(this StunMessageReader reader, out ReadOnlySpan<byte> nonce) =>
        reader.TryGetAttribute(StunAttributeType.Nonce, out nonce);

    /// <summary>SOFTWARE (RFC 8489 §14.14), UTF-8.</summary>
    public static bool TryGetSoftware(this StunMessageReader reader, out ReadOnlySpan<byte> utf8) =>
        reader.TryGetAttribute(StunAttributeType.Software, out utf8);

    /// <summary>ALTERNATE-DOMAIN (RFC 8489 §14.16).</summary>
    public static bool TryGetAlternateDomain(this StunMessageReader reader, out ReadOnlySpan<byte> utf8) =>
        reader.TryGetAttribute(StunAttributeType.AlternateDomain, out utf8);

    /// <summary>PASSWORD-ALGORITHM (RFC 8489 §14.12).</summary>
    public static bool TryGetPasswordAlgorithm(this StunMessageReader reader, out StunPasswordAlgorithm algorithm)
    {
        algorithm = default;
        return reader.TryGetAttribute(StunAttributeType.PasswordAlgorithm, out ReadOnlySpan<byte> value)
            && StunAttributeDecoder.TryReadPasswordAlgorithm(value, out algorithm, out _);
    }

    /// <summary>PASSWORD-ALGORITHMS (RFC 8489 §14.11).</summary>
    /// <returns>The number listed, or -1 when absent or malformed.</returns>
    public static int GetPasswordAlgorithms(this StunMessageReader reader, Span<StunPasswordAlgorithm> destination) =>
        reader.TryGetAttribute(StunAttributeType.PasswordAlgorithms, out ReadOnlySpan<byte> value)
            ? StunAttributeDecoder.ReadPasswordAlgorithms(value, destination)
            : -1;

    /// <summary>LIFETIME in seconds (RFC 8656 §18.2).</summary>
    public static bool TryGetLifetime(this StunMessageReader reader, out uint seconds) =>
        TryGetUInt32(reader, StunAttributeType.Lifetime, out seconds);

    /// <summary>DATA (RFC 8656 §18.4).</summary>
    public static bool TryGetData(this StunMessageReader reader, out ReadOnlySpan<byte> data) =>
        reader.TryGetAttribute(StunAttributeType.Data, out data);

    /// <summary>CHANNEL-NUMBER (RFC 8656 §18.1); the range 0x4000-0x4FFF is the caller's check.</summary>
    public static bool TryGetChannelNumber(this StunMessageReader reader, out ushort channelNumber)
    {
        channelNumber = 0;
        return reader.TryGetAttribute(StunAttributeType.ChannelNumber, out ReadOnlySpan<byte> value)
            && StunAttributeDecoder.TryReadChannelNumber(value, out channelNumber);
    }

    /// <summary>REQUESTED-TRANSPORT protocol number (RFC 8656 §18.8): 17 UDP, 6 TCP (RFC 6062).</summary>
    public static bool TryGetRequestedTransport(this StunMessageReader reader, out byte protocol)
    {
        protocol = 0;
        return reader.TryGetAttribute(StunAttributeType.RequestedTransport, out ReadOnlySpan<byte> value)
            && StunAttributeDecoder.TryReadRequestedTransport(value, out protocol);
    }

    /// <summary>REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6).</summary>
    public static bool TryGetRequestedAddressFamily(this StunMessageReader reader, out StunAddressFamily family) =>
        TryGetFamily(reader, StunAttributeType.RequestedAddressFamily, out family);

    /// <summary>ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.11).</summary>
    public static bool TryGetAdditionalAddressFamily(this StunMessageReader reader, out StunAddressFamily family) =>
        TryGetFamily(reader, StunAttributeType.AdditionalAddressFamily, out family);

    /// <summary>ADDRESS-ERROR-CODE (RFC 8656 §18.12).</summary>
    public static bool TryGetAddressErrorCode(this StunMessageReader reader, out StunAddressFamily family, out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        family = default;
        code = 0;
        reasonUtf8 = default;
        return reader.TryGetAttribute(StunAttributeType.AddressErrorCode, out ReadOnlySpan<byte> value)
            && StunAttributeDecoder.TryReadAddressErrorCode(value, out family, out code, out reasonUtf8);
    }

    /// <summary>EVEN-PORT (RFC 8656 §18.7); <paramref name="reserveNextPort"/> is the R bit.</summary>
    public static bool TryGetEvenPort(this StunMessageReader reader, out bool reserveNextPort)
    {
        reserveNextPort = false;
        return reader.TryGetAttribute(StunAttributeType.EvenPort, out ReadOnlySpan<byte> value)
            && StunAttributeDecoder.TryReadEvenPort(value, out reserveNextPort);
    }

    /// <summary>RESERVATION-TOKEN (RFC 8656 §18.10), 8 bytes.</summary>
    public static bool TryGetReservationToken(this StunMessageReader reader, out ulong token) =>
        TryGetUInt64(reader, StunAttributeType.ReservationToken, out token);

    /// <summary>True when DONT-FRAGMENT is present (RFC 8656 §18.9).</summary>
    public static bool HasDontFragment(this StunMessageReader reader) => reader.Contains(StunAttributeType.DontFragment);

    /// <summary>ICMP (RFC 8656 §18.13).</summary>
    public static bool TryGetIcmp(this StunMessageReader reader, out int icmpType, out int icmpCode, out uint errorData)
    {
        icmpType = icmpCode = 0;
        errorData = 0;
        return reader.TryGetAttribute(StunAttributeType.Icmp, out ReadOnlySpan<byte> value)
            && StunAttributeDecoder.TryReadIcmp(value, out icmpType, out icmpCode, out errorData);
    }

    /// <summary>CONNECTION-ID (RFC 6062 §6.2.1).</summary>
    public static bool TryGetConnectionId(this StunMessageReader reader, out uint connectionId) =>
        TryGetUInt32(reader, StunAttributeType.ConnectionId, out connectionId);

    /// <summary>PRIORITY (RFC 8445 §7.1.1).</summary>
    public static bool TryGetPriority(this StunMessageReader reader, out uint priority) =>
        TryGetUInt32(reader, StunAttributeType.Priority, out priority);

    /// <summary>True when USE-CANDIDATE is present (RFC 8445 §7.1.2).</summary>
    public static bool HasUseCandidate(this StunMessageReader reader) => reader.Contains(StunAttributeType.UseCandidate);

    /// <summary>ICE-CONTROLLED tie-breaker (RFC 8445 §7.1.3).</summary>
    public static bool TryGetIceControlled(this StunMessageReader reader, out ulong tieBreaker) =>
        TryGetUInt64(reader, StunAttributeType.IceControlled, out tieBreaker);

    /// <summary>ICE-CONTROLLING tie-breaker (RFC 8445 §7.1.3).</summary>
    public static bool TryGetIceControlling(this StunMessageReader reader, out ulong tieBreaker) =>
        TryGetUInt64(reader, StunAttributeType.IceControlling, out tieBreaker);

    private static bool TryGetAddress(StunMessageReader reader, StunAttributeType type, bool xor, out TransportAddress address)
    {
        address = default;
        if (!reader.TryGetAttribute(type, out ReadOnlySpan<byte> value))
        {
            return false;
        }

        return xor
            ? StunAttributeDecoder.TryReadXorAddress(value, reader.TransactionIdBytes, out address)
            : StunAttributeDecoder.TryReadAddress(value, out address);
    }

    private static bool TryGetUInt32(StunMessageReader reader, StunAttributeType type, out uint result)
    {
        result = 0;
        return reader.TryGetAttribute(type, out ReadOnlySpan<byte> value) && StunAttributeDecoder.TryReadUInt32(value, out result);
    }

    private static bool TryGetUInt64(StunMessageReader reader, StunAttributeType type, out ulong result)
    {
        result = 0;
        return reader.TryGetAttribute(type, out ReadOnlySpan<byte> value) && StunAttributeDecoder.TryReadUInt64(value, out result);
    }

    private static bool TryGetFamily(StunMessageReader reader, StunAttributeType type, out StunAddressFamily family)
    {
        family = default;
        return reader.TryGetAttribute(type, out ReadOnlySpan<byte> value) && StunAttributeDecoder.TryReadAddressFamily(value, out family);
    }
}
