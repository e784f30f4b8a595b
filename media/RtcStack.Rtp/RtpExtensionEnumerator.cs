namespace RtcStack.Rtp;

/// <summary>
/// Walks the elements of an RFC 8285 header extension block. Padding bytes are skipped; a malformed
/// element (running past the block) or ID 15 in the one-byte form ends the walk (§4.2).
/// </summary>
public ref struct RtpExtensionEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;
    private readonly bool _oneByte;
    private readonly bool _twoByte;
    private int _position;

    internal RtpExtensionEnumerator(ReadOnlySpan<byte> data, ushort profile, int baseOffset)
    {
        _data = data;
        _baseOffset = baseOffset;
        _oneByte = profile == RtpPacket.OneByteExtensionProfile;
        _twoByte = (profile & 0xFFF0) == RtpPacket.TwoByteExtensionProfile;
        _position = 0;
        Current = default;
    }

    /// <summary>The current element.</summary>
    public RtpExtension Current { get; private set; }

    /// <summary>Returns this enumerator (for <c>foreach</c>).</summary>
    public readonly RtpExtensionEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next element.</summary>
    public bool MoveNext()
    {
        if (_oneByte)
        {
            return MoveNextOneByte();
        }

        return _twoByte && MoveNextTwoByte();
    }

    private bool MoveNextOneByte()
    {
        while (_position < _data.Length)
        {
            var b = _data[_position];
            var id = b >> 4;
            if (id == 0)
            {
                _position++; // RFC 8285 §4.2: padding byte
                continue;
            }

            if (id == 15)
            {
                _position = _data.Length; // reserved: stop processing
                return false;
            }

            var length = (b & 0x0F) + 1;
            var start = _position + 1;
            if (start + length > _data.Length)
            {
                _position = _data.Length;
                return false;
            }

            Current = new RtpExtension(id, _data.Slice(start, length), _baseOffset + start);
            _position = start + length;
            return true;
        }

        return false;
    }

    private bool MoveNextTwoByte()
    {
        while (_position < _data.Length)
        {
            var id = _data[_position];
            if (id == 0)
            {
                _position++; // RFC 8285 §4.3: padding byte
                continue;
            }

            if (_position + 2 > _data.Length)
            {
                _position = _data.Length;
                return false;
            }

            var length = _data[_position + 1];
            var start = _position + 2;
            if (start + length > _data.Length)
            {
                _position = _data.Length;
                return false;
            }

            Current = new RtpExtension(id, _data.Slice(start, length), _baseOffset + start);
            _position = start + length;
            return true;
        }

        return false;
    }
}
