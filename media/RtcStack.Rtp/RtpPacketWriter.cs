using System.Buffers.Binary;

namespace RtcStack.Rtp;

/// <summary>
/// Builds an RTP packet (RFC 3550 §5.1) with header extensions (RFC 8285) into a caller's buffer, in order:
/// header, extensions, payload, finish. Every step returns false when the buffer is too small or the input
/// is invalid; after a failure the writer stays failed. Allocates nothing.
/// </summary>
public ref struct RtpPacketWriter
{
    private readonly Span<byte> _buffer;
    private readonly bool _twoByte;
    private int _position;
    private int _extensionStart;
    private bool _headerWritten;
    private bool _payloadWritten;
    private bool _failed;

    /// <summary>Starts a packet in <paramref name="buffer"/>; <paramref name="twoByteExtensions"/> selects RFC 8285 §4.3.</summary>
    public RtpPacketWriter(Span<byte> buffer, bool twoByteExtensions = false)
    {
        _buffer = buffer;
        _twoByte = twoByteExtensions;
        _position = 0;
        _extensionStart = -1;
        _headerWritten = false;
        _payloadWritten = false;
        _failed = false;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _position;

    /// <summary>Writes the fixed header and the CSRC list (at most 15).</summary>
    public bool TryWriteHeader(bool marker, byte payloadType, ushort sequenceNumber, uint timestamp, uint ssrc, scoped ReadOnlySpan<uint> csrcs = default)
    {
        if (_failed || _headerWritten || payloadType > 127 || csrcs.Length > 15
            || _buffer.Length < RtpPacket.FixedHeaderLength + (4 * csrcs.Length))
        {
            return Fail();
        }

        _buffer[0] = (byte)(0x80 | csrcs.Length);
        _buffer[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[8..], ssrc);
        _position = RtpPacket.FixedHeaderLength;
        foreach (var csrc in csrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], csrc);
            _position += 4;
        }

        _headerWritten = true;
        return true;
    }

    /// <summary>
    /// Appends a header extension element. One-byte form: id 1-14, 1-16 bytes. Two-byte form: id 1-255, 0-255 bytes.
    /// </summary>
    public bool TryAddExtension(int id, scoped ReadOnlySpan<byte> value)
    {
        var valid = _twoByte
            ? id is >= 1 and <= 255 && value.Length <= 255
            : id is >= 1 and <= 14 && value.Length is >= 1 and <= 16;
        if (_failed || !_headerWritten || _payloadWritten || !valid)
        {
            return Fail();
        }

        if (_extensionStart < 0)
        {
            if (_position + 4 > _buffer.Length)
            {
                return Fail();
            }

            _buffer[0] |= 0x10;
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], _twoByte ? RtpPacket.TwoByteExtensionProfile : RtpPacket.OneByteExtensionProfile);
            _position += 4;
            _extensionStart = _position;
        }

        var preamble = _twoByte ? 2 : 1;
        if (_position + preamble + value.Length > _buffer.Length)
        {
            return Fail();
        }

        if (_twoByte)
        {
            _buffer[_position] = (byte)id;
            _buffer[_position + 1] = (byte)value.Length;
        }
        else
        {
            _buffer[_position] = (byte)((id << 4) | (value.Length - 1));
        }

        value.CopyTo(_buffer[(_position + preamble)..]);
        _position += preamble + value.Length;
        return true;
    }

    /// <summary>Appends the payload (may be called once).</summary>
    public bool TryWritePayload(scoped ReadOnlySpan<byte> payload)
    {
        if (_failed || !_headerWritten || _payloadWritten || !CloseExtensionBlock() || _position + payload.Length > _buffer.Length)
        {
            return Fail();
        }

        payload.CopyTo(_buffer[_position..]);
        _position += payload.Length;
        _payloadWritten = true;
        return true;
    }

    /// <summary>Adds <paramref name="paddingLength"/> padding bytes (0 for none, else 1-255) and returns the packet length.</summary>
    public bool TryFinish(out int length, int paddingLength = 0)
    {
        length = 0;
        if (_failed || !_headerWritten || paddingLength is < 0 or > 255 || !CloseExtensionBlock()
            || _position + paddingLength > _buffer.Length)
        {
            return Fail();
        }

        if (paddingLength > 0)
        {
            _buffer[0] |= 0x20;
            _buffer.Slice(_position, paddingLength - 1).Clear();
            _position += paddingLength;
            _buffer[_position - 1] = (byte)paddingLength;
        }

        _payloadWritten = true;
        length = _position;
        return true;
    }

    private bool CloseExtensionBlock()
    {
        if (_extensionStart < 0 || _payloadWritten)
        {
            return true;
        }

        var bodyLength = _position - _extensionStart;
        var padded = (bodyLength + 3) & ~3;
        if (_extensionStart + padded > _buffer.Length)
        {
            return false;
        }

        _buffer.Slice(_position, padded - bodyLength).Clear();
        _position = _extensionStart + padded;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_extensionStart - 2)..], (ushort)(padded / 4));
        _extensionStart = -1;
        return true;
    }

    private bool Fail()
    {
        _failed = true;
        return false;
    }
}
