using System.Buffers.Binary;

namespace RtcStack.Sctp.Packets;

/// <summary>
/// Walks type-length-value parameters (RFC 9260 §3.2.1), also used for error causes (§3.3.10).
/// Stops at the first malformed one and reports it through <see cref="Valid"/>.
/// </summary>
internal ref struct SctpParameterEnumerator
{
    private ReadOnlySpan<byte> _rest;

    public SctpParameterEnumerator(ReadOnlySpan<byte> parameters)
    {
        _rest = parameters;
        Valid = true;
        Type = 0;
        Value = default;
    }

    public ushort Type { get; private set; }

    public ReadOnlySpan<byte> Value { get; private set; }

    /// <summary>False when a parameter length was out of bounds.</summary>
    public bool Valid { get; private set; }

    public bool MoveNext()
    {
        if (_rest.IsEmpty)
        {
            return false;
        }

        if (_rest.Length < 4)
        {
            Valid = false;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(_rest[2..]);
        if (length < 4 || length > _rest.Length)
        {
            Valid = false;
            return false;
        }

        Type = BinaryPrimitives.ReadUInt16BigEndian(_rest);
        Value = _rest[4..length];
        _rest = _rest[Math.Min((length + 3) & ~3, _rest.Length)..];
        return true;
    }

    /// <summary>Writes a parameter (padded) and returns the bytes used.</summary>
    public static int Write(Span<byte> destination, ushort type, ReadOnlySpan<byte> value, int valueLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(4 + valueLength));
        value[..valueLength].CopyTo(destination[4..]);
        int padded = (4 + valueLength + 3) & ~3;
        destination[(4 + valueLength)..Math.Min(padded, destination.Length)].Clear(); // the last parameter may end unpadded
        return padded;
    }
}
