using System.Buffers.Binary;

namespace RtcStack.Stun;

/// <summary>
/// Enumerates the attributes of a parsed message that precede MESSAGE-INTEGRITY,
/// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT (attributes after MESSAGE-INTEGRITY are ignored,
/// RFC 8489 §14.5). Allocates nothing; use with <c>foreach</c>.
/// </summary>
public ref struct StunAttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _attributes;
    private int _next;
    private StunAttribute _current;

    internal StunAttributeEnumerator(ReadOnlySpan<byte> attributes)
    {
        _attributes = attributes;
        _next = 0;
        _current = default;
    }

    /// <summary>The current attribute.</summary>
    public readonly StunAttribute Current => _current;

    /// <summary>This enumerator, so that it can be used in <c>foreach</c>.</summary>
    public readonly StunAttributeEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next attribute.</summary>
    public bool MoveNext()
    {
        // The region was validated by StunMessageReader.TryParse, so every header fits.
        if (_next + StunConstants.AttributeHeaderLength > _attributes.Length)
        {
            return false;
        }

        var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(_attributes[_next..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(_attributes[(_next + 2)..]);
        int start = _next + StunConstants.AttributeHeaderLength;
        if (start + length > _attributes.Length)
        {
            return false;
        }

        _current = new StunAttribute(type, _attributes.Slice(start, length));
        _next = start + ((length + 3) & ~3);
        return true;
    }
}
