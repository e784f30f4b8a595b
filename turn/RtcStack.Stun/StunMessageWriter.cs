using System.Buffers.Binary;
using System.Text;

namespace RtcStack.Stun;

/// <summary>
/// Writes one STUN message into a caller's buffer (RFC 8489 §5, §14), allocating nothing. The
/// header length is kept current after every attribute. Finish with MESSAGE-INTEGRITY,
/// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, in that order, then <see cref="TryComplete"/>.
/// When the buffer is too small every later call is a no-op and <see cref="TryComplete"/> returns
/// false; nothing throws. Typed attribute writers are in <see cref="StunMessageWriterExtensions"/>.
/// </summary>
public ref struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _position;
    private bool _overflow;

    /// <summary>Starts a message with the given type and transaction ID.</summary>
    public StunMessageWriter(Span<byte> buffer, StunMessageType type, TransactionId transactionId)
    {
        _buffer = buffer;
        _position = StunConstants.HeaderLength;
        _overflow = buffer.Length < StunConstants.HeaderLength;
        if (!_overflow)
        {
            WriteHeader(type);
            transactionId.TryWriteTo(buffer[8..]);
        }
    }

    /// <summary>Starts a message with the given type and 12-byte transaction ID (e.g. copied from a request).</summary>
    public StunMessageWriter(Span<byte> buffer, StunMessageType type, scoped ReadOnlySpan<byte> transactionId)
    {
        _buffer = buffer;
        _position = StunConstants.HeaderLength;
        _overflow = buffer.Length < StunConstants.HeaderLength || transactionId.Length != StunConstants.TransactionIdLength;
        if (!_overflow)
        {
            WriteHeader(type);
            transactionId.CopyTo(buffer[8..]);
        }
    }

    /// <summary>The byte used to pad attribute values to 4 bytes; RFC 8489 §14 allows any value, the default is 0.</summary>
    public byte PaddingByte { get; set; }

    /// <summary>Bytes written so far, header included.</summary>
    public readonly int Length => _overflow ? 0 : _position;

    /// <summary>True once an attribute did not fit (or the buffer could not hold the header).</summary>
    public readonly bool HasOverflowed => _overflow;

    /// <summary>The message written so far (empty after overflow).</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _overflow ? default : _buffer[.._position];

    /// <summary>The 12 transaction ID bytes written in the header.</summary>
    internal readonly ReadOnlySpan<byte> TransactionIdBytes => _overflow && _buffer.Length < StunConstants.HeaderLength
        ? default
        : _buffer.Slice(8, StunConstants.TransactionIdLength);

    /// <summary>Reports the final length.</summary>
    /// <returns>False when the buffer was too small; the message is then unusable.</returns>
    public readonly bool TryComplete(out int length)
    {
        length = Length;
        return !_overflow;
    }

    /// <summary>Adds an attribute with a raw value; padding follows.</summary>
    public void AddAttribute(StunAttributeType type, scoped ReadOnlySpan<byte> value)
    {
        Span<byte> destination = Reserve(type, value.Length);
        value.CopyTo(destination);
    }

    /// <summary>Adds an attribute whose value is UTF-8 text (USERNAME, REALM, NONCE, SOFTWARE...).</summary>
    public void AddText(StunAttributeType type, scoped ReadOnlySpan<char> text) => ReserveTextWithPrefix(type, 0, text);

    /// <summary>Marks the message as unusable (an argument could not be encoded); <see cref="TryComplete"/> then fails.</summary>
    public void MarkInvalid() => _overflow = true;

    /// <summary>
    /// Writes an attribute whose value is <paramref name="prefixLength"/> bytes for the caller to
    /// fill, then <paramref name="text"/> as UTF-8; returns the whole value (empty after overflow).
    /// </summary>
    internal Span<byte> ReserveTextWithPrefix(StunAttributeType type, int prefixLength, scoped ReadOnlySpan<char> text)
    {
        int maxLength = prefixLength + Encoding.UTF8.GetMaxByteCount(text.Length);
        int length = maxLength <= FreeValueSpace() && maxLength <= ushort.MaxValue
            ? maxLength
            : prefixLength + Encoding.UTF8.GetByteCount(text);
        Span<byte> destination = Reserve(type, length, commit: false);
        if (_overflow)
        {
            return default;
        }

        Encoding.UTF8.TryGetBytes(text, destination[prefixLength..], out int written);
        Commit(type, prefixLength + written);
        return destination[..(prefixLength + written)];
    }

    /// <summary>
    /// Reserves an attribute of <paramref name="valueLength"/> bytes and returns its value span to
    /// fill (empty after overflow). Padding is written here.
    /// </summary>
    public Span<byte> Reserve(StunAttributeType type, int valueLength) => Reserve(type, valueLength, commit: true);

    /// <summary>Adds MESSAGE-INTEGRITY: HMAC-SHA1 with a short-term or long-term key (RFC 8489 §14.5).</summary>
    public void AddMessageIntegrity(scoped ReadOnlySpan<byte> key) =>
        AddIntegrity(StunAttributeType.MessageIntegrity, StunConstants.MessageIntegrityLength, key, sha256: false);

    /// <summary>Adds MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), optionally truncated to 16..32 bytes (multiple of 4).</summary>
    public void AddMessageIntegritySha256(scoped ReadOnlySpan<byte> key, int length = StunConstants.MessageIntegritySha256Length)
    {
        if (length < StunConstants.MessageIntegritySha256MinLength || length > StunConstants.MessageIntegritySha256Length || (length & 3) != 0)
        {
            _overflow = true;
            return;
        }

        AddIntegrity(StunAttributeType.MessageIntegritySha256, length, key, sha256: true);
    }

    /// <summary>Adds FINGERPRINT, which must be the last attribute (RFC 8489 §14.7).</summary>
    public void AddFingerprint()
    {
        if (!HasRoom(StunConstants.AttributeHeaderLength + StunConstants.FingerprintLength))
        {
            return;
        }

        int attribute = _position;
        SetBodyLength(attribute + 8 - StunConstants.HeaderLength);
        uint crc = StunIntegrity.ComputeFingerprint(_buffer[..attribute]);
        Span<byte> value = Reserve(StunAttributeType.Fingerprint, StunConstants.FingerprintLength);
        BinaryPrimitives.WriteUInt32BigEndian(value, crc);
    }

    private void AddIntegrity(StunAttributeType type, int valueLength, scoped ReadOnlySpan<byte> key, bool sha256)
    {
        if (!HasRoom(StunConstants.AttributeHeaderLength + valueLength))
        {
            return;
        }

        int attribute = _position;
        Span<byte> hmac = stackalloc byte[StunConstants.MessageIntegritySha256Length];
        StunIntegrity.ComputeHmacInPlace(_buffer[..attribute], valueLength, key, sha256, hmac, keep: true); // signing may keep the key
        Span<byte> value = Reserve(type, valueLength);
        hmac[..valueLength].CopyTo(value);
    }

    private Span<byte> Reserve(StunAttributeType type, int valueLength, bool commit)
    {
        int padded = (valueLength + 3) & ~3;
        if (valueLength > ushort.MaxValue || !HasRoom(StunConstants.AttributeHeaderLength + padded))
        {
            _overflow = true;
            return default;
        }

        Span<byte> value = _buffer.Slice(_position + StunConstants.AttributeHeaderLength, valueLength);
        if (commit)
        {
            Commit(type, valueLength);
        }

        return value;
    }

    private void Commit(StunAttributeType type, int valueLength)
    {
        int padded = (valueLength + 3) & ~3;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_position + 2)..], (ushort)valueLength);
        _buffer.Slice(_position + StunConstants.AttributeHeaderLength + valueLength, padded - valueLength).Fill(PaddingByte);
        _position += StunConstants.AttributeHeaderLength + padded;
        SetBodyLength(_position - StunConstants.HeaderLength);
    }

    private readonly int FreeValueSpace() => _overflow ? 0 : _buffer.Length - _position - StunConstants.AttributeHeaderLength;

    private bool HasRoom(int bytes)
    {
        if (_overflow || _position + bytes > _buffer.Length || _position + bytes - StunConstants.HeaderLength > StunConstants.MaxMessageBodyLength)
        {
            _overflow = true;
            return false;
        }

        return true;
    }

    private readonly void WriteHeader(StunMessageType type)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer, type.ToUInt16());
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], StunConstants.MagicCookie);
    }

    private readonly void SetBodyLength(int length) => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)length);
}
