using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RtcStack.Stun;

/// <summary>
/// A parsed STUN message (RFC 8489 §5, §14): a view over the caller's bytes, no copies, no
/// allocation. Create with <see cref="TryParse"/>; malformed input is a <see cref="StunParseResult"/>,
/// never an exception. Attributes after MESSAGE-INTEGRITY (other than MESSAGE-INTEGRITY-SHA256 and
/// FINGERPRINT) are ignored, as RFC 8489 §14.5 requires. Typed getters are in the second half of
/// this type; each returns false when the attribute is absent or malformed (use
/// <see cref="Contains"/> to tell the two apart).
/// </summary>
public readonly ref struct StunMessageReader
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _attributesEnd;
    private readonly int _integrityOffset;
    private readonly int _integritySha256Offset;
    private readonly int _fingerprintOffset;

    private StunMessageReader(ReadOnlySpan<byte> message, int attributesEnd, int integrity, int integritySha256, int fingerprint)
    {
        _message = message;
        _attributesEnd = attributesEnd;
        _integrityOffset = integrity;
        _integritySha256Offset = integritySha256;
        _fingerprintOffset = fingerprint;
    }

    /// <summary>
    /// Parses exactly one STUN message: <paramref name="buffer"/> must be the whole message (a UDP
    /// datagram, or one frame cut by <see cref="StunFraming"/>).
    /// </summary>
    public static StunParseResult TryParse(ReadOnlySpan<byte> buffer, out StunMessageReader reader)
    {
        reader = default;
        StunParseResult header = CheckHeader(buffer, out int bodyLength);
        if (header != StunParseResult.Success)
        {
            return header;
        }

        if (buffer.Length != StunConstants.HeaderLength + bodyLength)
        {
            return StunParseResult.LengthMismatch;
        }

        int integrity = -1, integritySha256 = -1, fingerprint = -1;
        int position = StunConstants.HeaderLength;
        while (position < buffer.Length)
        {
            if (position + StunConstants.AttributeHeaderLength > buffer.Length || fingerprint >= 0)
            {
                return fingerprint >= 0 ? StunParseResult.BadFingerprintPosition : StunParseResult.MalformedAttribute;
            }

            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(buffer[position..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[(position + 2)..]);
            int next = position + StunConstants.AttributeHeaderLength + ((length + 3) & ~3);
            if (next > buffer.Length)
            {
                return StunParseResult.MalformedAttribute;
            }

            bool sealedByIntegrity = integrity >= 0 || integritySha256 >= 0;
            if (type == StunAttributeType.MessageIntegrity && !sealedByIntegrity)
            {
                integrity = position;
            }
            else if (type == StunAttributeType.MessageIntegritySha256 && integritySha256 < 0)
            {
                integritySha256 = position;
            }
            else if (type == StunAttributeType.Fingerprint)
            {
                if (length != StunConstants.FingerprintLength)
                {
                    return StunParseResult.BadFingerprintPosition;
                }

                fingerprint = position;
            }

            position = next;
        }

        int end = FirstNonNegative(integrity, integritySha256, fingerprint, buffer.Length);
        reader = new StunMessageReader(buffer, end, integrity, integritySha256, fingerprint);
        return StunParseResult.Success;
    }

    /// <summary>
    /// Quick check of the fixed header (RFC 8489 §5: top bits zero, magic cookie, length multiple
    /// of 4) without walking attributes; useful to demultiplex (RFC 7983).
    /// </summary>
    public static bool IsStunMessage(ReadOnlySpan<byte> buffer) => CheckHeader(buffer, out _) == StunParseResult.Success;

    /// <summary>The whole message.</summary>
    public ReadOnlySpan<byte> Message => _message;

    /// <summary>The message length in bytes, header included.</summary>
    public int Length => _message.Length;

    /// <summary>The message type (method and class).</summary>
    public StunMessageType MessageType => StunMessageType.FromUInt16(BinaryPrimitives.ReadUInt16BigEndian(_message));

    /// <summary>The method.</summary>
    public StunMethod Method => MessageType.Method;

    /// <summary>The class.</summary>
    public StunClass Class => MessageType.Class;

    /// <summary>The transaction ID as a value.</summary>
    public TransactionId TransactionId => TransactionId.FromHeader(_message);

    /// <summary>The 12 transaction ID bytes.</summary>
    public ReadOnlySpan<byte> TransactionIdBytes => _message.Slice(8, StunConstants.TransactionIdLength);

    /// <summary>The attributes before any MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 or FINGERPRINT.</summary>
    public StunAttributeEnumerator Attributes => new(_message[StunConstants.HeaderLength.._attributesEnd]);

    /// <summary>True when MESSAGE-INTEGRITY is present.</summary>
    public bool HasMessageIntegrity => _integrityOffset >= 0;

    /// <summary>True when MESSAGE-INTEGRITY-SHA256 is present.</summary>
    public bool HasMessageIntegritySha256 => _integritySha256Offset >= 0;

    /// <summary>True when FINGERPRINT is present (it is then the last attribute).</summary>
    public bool HasFingerprint => _fingerprintOffset >= 0;

    /// <summary>True when the attribute is present (for the three trailing ones, see the Has* properties).</summary>
    public bool Contains(StunAttributeType type) => TryGetAttribute(type, out _);

    /// <summary>The value of the first attribute of this type.</summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        switch (type)
        {
            case StunAttributeType.MessageIntegrity:
                return TryGetAt(_integrityOffset, out value);
            case StunAttributeType.MessageIntegritySha256:
                return TryGetAt(_integritySha256Offset, out value);
            case StunAttributeType.Fingerprint:
                return TryGetAt(_fingerprintOffset, out value);
        }

        foreach (StunAttribute attribute in Attributes)
        {
            if (attribute.Type == type)
            {
                value = attribute.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Finds comprehension-required attributes (type below 0x8000) that this codec does not
    /// understand; a server answers such a request with 420 and UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1).
    /// </summary>
    /// <param name="destination">Receives up to its length of the unknown types.</param>
    /// <returns>The number of unknown comprehension-required attributes (0 when all are understood).</returns>
    public int GetUnknownComprehensionRequired(Span<StunAttributeType> destination)
    {
        int count = 0;
        foreach (StunAttribute attribute in Attributes)
        {
            if (attribute.IsComprehensionRequired && !StunKnownAttributes.IsKnown(attribute.Type))
            {
                if (count < destination.Length)
                {
                    destination[count] = attribute.Type;
                }

                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Checks MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) with a short-term key (the password) or
    /// a long-term key (see <see cref="StunCredentials"/>). Constant-time compare; no allocation.
    /// </summary>
    public bool VerifyMessageIntegrity(ReadOnlySpan<byte> key)
    {
        if (!TryGetAt(_integrityOffset, out ReadOnlySpan<byte> value) || value.Length != StunConstants.MessageIntegrityLength)
        {
            return false;
        }

        Span<byte> hmac = stackalloc byte[StunConstants.MessageIntegrityLength];
        StunIntegrity.ComputeHmac(_message, _integrityOffset, value.Length, key, sha256: false, hmac);
        return CryptographicOperations.FixedTimeEquals(hmac, value);
    }

    /// <summary>Checks MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, possibly truncated to 16..32 bytes, RFC 8489 §14.6).</summary>
    public bool VerifyMessageIntegritySha256(ReadOnlySpan<byte> key)
    {
        if (!TryGetAt(_integritySha256Offset, out ReadOnlySpan<byte> value)
            || value.Length < StunConstants.MessageIntegritySha256MinLength
            || value.Length > StunConstants.MessageIntegritySha256Length
            || (value.Length & 3) != 0)
        {
            return false;
        }

        Span<byte> hmac = stackalloc byte[StunConstants.MessageIntegritySha256Length];
        StunIntegrity.ComputeHmac(_message, _integritySha256Offset, value.Length, key, sha256: true, hmac);
        return CryptographicOperations.FixedTimeEquals(hmac[..value.Length], value);
    }

    /// <summary>Checks FINGERPRINT (CRC-32 XOR 0x5354554E, RFC 8489 §14.7); false when absent.</summary>
    public bool VerifyFingerprint()
    {
        if (!TryGetAt(_fingerprintOffset, out ReadOnlySpan<byte> value))
        {
            return false;
        }

        return BinaryPrimitives.ReadUInt32BigEndian(value) == StunIntegrity.ComputeFingerprint(_message[.._fingerprintOffset]);
    }

    private bool TryGetAt(int offset, out ReadOnlySpan<byte> value)
    {
        if (offset < 0)
        {
            value = default;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(_message[(offset + 2)..]);
        value = _message.Slice(offset + StunConstants.AttributeHeaderLength, length);
        return true;
    }

    private static StunParseResult CheckHeader(ReadOnlySpan<byte> buffer, out int bodyLength)
    {
        bodyLength = 0;
        if (buffer.Length < StunConstants.HeaderLength)
        {
            return StunParseResult.TooShort;
        }

        if ((buffer[0] & 0xC0) != 0)
        {
            return StunParseResult.NotStun;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]) != StunConstants.MagicCookie)
        {
            return StunParseResult.BadMagicCookie;
        }

        bodyLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        return (bodyLength & 3) != 0 ? StunParseResult.BadLength : StunParseResult.Success;
    }

    private static int FirstNonNegative(int a, int b, int c, int fallback)
    {
        int result = fallback;
        foreach (int candidate in (ReadOnlySpan<int>)[a, b, c])
        {
            if (candidate >= 0 && candidate < result)
            {
                result = candidate;
            }
        }

        return result;
    }
}
