using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RtcStack.Stun;

/// <summary>
/// The 96-bit STUN transaction ID (RFC 8489 §5) as a value type usable as a dictionary key
/// (equality and hashing allocate nothing).
/// </summary>
public readonly struct TransactionId : IEquatable<TransactionId>
{
    private readonly ulong _high;
    private readonly uint _low;

    private TransactionId(ulong high, uint low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>Reads a transaction ID from exactly 12 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 12 bytes long.</exception>
    public TransactionId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != StunConstants.TransactionIdLength)
        {
            throw new ArgumentException("A transaction ID is 12 bytes.", nameof(bytes));
        }

        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _low = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
    }

    /// <summary>A new cryptographically random transaction ID (RFC 8489 §5 asks for one).</summary>
    public static TransactionId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[StunConstants.TransactionIdLength];
        RandomNumberGenerator.Fill(bytes);
        return new TransactionId(bytes);
    }

    /// <summary>Reads the transaction ID at bytes 8..20 of a STUN header without validation.</summary>
    internal static TransactionId FromHeader(ReadOnlySpan<byte> header) => new(
        BinaryPrimitives.ReadUInt64BigEndian(header[8..]),
        BinaryPrimitives.ReadUInt32BigEndian(header[16..]));

    /// <summary>Writes the 12 bytes to <paramref name="destination"/>.</summary>
    /// <returns>False when the destination is shorter than 12 bytes.</returns>
    public bool TryWriteTo(Span<byte> destination)
    {
        if (destination.Length < StunConstants.TransactionIdLength)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], _low);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(TransactionId other) => _high == other._high && _low == other._low;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TransactionId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <summary>Lower-case hex of the 12 bytes.</summary>
    public override string ToString() => $"{_high:x16}{_low:x8}";

    /// <summary>Equality.</summary>
    public static bool operator ==(TransactionId left, TransactionId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(TransactionId left, TransactionId right) => !left.Equals(right);
}
