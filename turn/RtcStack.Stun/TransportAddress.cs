using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RtcStack.Stun;

/// <summary>
/// An IP address and port (IPv4 or IPv6) as a 24-byte value type: usable as a dictionary key,
/// with equality and hashing that allocate nothing. Convert to <see cref="IPEndPoint"/> only at
/// the edges. IPv6 scope IDs are not kept.
/// </summary>
public readonly struct TransportAddress : IEquatable<TransportAddress>
{
    private readonly ulong _high; // IPv6 bytes 0..7, big-endian; zero for IPv4
    private readonly ulong _low;  // IPv6 bytes 8..15, big-endian; IPv4 address in the low 32 bits
    private readonly ushort _port;
    private readonly StunAddressFamily _family;

    private TransportAddress(ulong high, ulong low, ushort port, StunAddressFamily family)
    {
        _high = high;
        _low = low;
        _port = port;
        _family = family;
    }

    /// <summary>Creates an address from 4 (IPv4) or 16 (IPv6) network-order bytes and a port.</summary>
    /// <exception cref="ArgumentException">The span is neither 4 nor 16 bytes long.</exception>
    public TransportAddress(ReadOnlySpan<byte> address, ushort port)
    {
        if (!TryCreate(address, port, out this))
        {
            throw new ArgumentException("An IP address is 4 or 16 bytes.", nameof(address));
        }
    }

    /// <summary>Creates an address from an <see cref="IPAddress"/> (edge use).</summary>
    public TransportAddress(IPAddress address, ushort port)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        this = new TransportAddress(bytes[..written], port);
    }

    /// <summary>Creates an IPv4 address from its 32-bit value (e.g. 0x7F000001 for 127.0.0.1).</summary>
    public static TransportAddress FromIPv4(uint address, ushort port) => new(0, address, port, StunAddressFamily.IPv4);

    /// <summary>Creates an IPv6 address from its two big-endian 64-bit halves.</summary>
    public static TransportAddress FromIPv6(ulong high, ulong low, ushort port) => new(high, low, port, StunAddressFamily.IPv6);

    /// <summary>Creates an address from 4 or 16 bytes; false (never throws) for any other length.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> address, ushort port, out TransportAddress result)
    {
        switch (address.Length)
        {
            case 4:
                result = FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(address), port);
                return true;
            case 16:
                result = FromIPv6(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]), port);
                return true;
            default:
                result = default;
                return false;
        }
    }

    /// <summary>Converts an <see cref="IPEndPoint"/> (edge use).</summary>
    public static TransportAddress FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new TransportAddress(endPoint.Address, (ushort)endPoint.Port);
    }

    /// <summary>Parses "a.b.c.d:port" or "[v6]:port".</summary>
    public static bool TryParse(string? text, out TransportAddress result)
    {
        if (IPEndPoint.TryParse(text ?? string.Empty, out IPEndPoint? endPoint))
        {
            result = FromEndPoint(endPoint);
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>The address family; <see cref="StunAddressFamily.None"/> for <c>default</c>.</summary>
    public StunAddressFamily Family => _family;

    /// <summary>The port.</summary>
    public ushort Port => _port;

    /// <summary>True for an IPv4 address.</summary>
    public bool IsIPv4 => _family == StunAddressFamily.IPv4;

    /// <summary>True for an IPv6 address.</summary>
    public bool IsIPv6 => _family == StunAddressFamily.IPv6;

    /// <summary>The IPv4 address as a 32-bit value (zero for IPv6).</summary>
    public uint IPv4Value => IsIPv4 ? (uint)_low : 0;

    /// <summary>Bytes 0..7 of an IPv6 address, big-endian (zero for IPv4).</summary>
    public ulong IPv6High => _high;

    /// <summary>Bytes 8..15 of an IPv6 address, big-endian (for IPv4 the address value).</summary>
    public ulong IPv6Low => _low;

    /// <summary>Length of the address in bytes: 4, 16, or 0 for <c>default</c>.</summary>
    public int AddressLength => _family switch { StunAddressFamily.IPv4 => 4, StunAddressFamily.IPv6 => 16, _ => 0 };

    /// <summary>True for an IPv4-mapped IPv6 address (::ffff:a.b.c.d).</summary>
    public bool IsIPv4MappedIPv6 => IsIPv6 && _high == 0 && (_low >> 32) == 0xFFFF;

    /// <summary>
    /// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address a.b.c.d; any other
    /// address is returned unchanged. Apply before any policy check.
    /// </summary>
    public TransportAddress Normalize() => IsIPv4MappedIPv6 ? FromIPv4((uint)_low, _port) : this;

    /// <summary>The same address with another port.</summary>
    public TransportAddress WithPort(ushort port) => new(_high, _low, port, _family);

    /// <summary>Writes the 4 or 16 address bytes in network order.</summary>
    /// <returns>The number of bytes written, or 0 when the destination is too short or the address is empty.</returns>
    public int WriteAddressBytes(Span<byte> destination)
    {
        int length = AddressLength;
        if (length == 0 || destination.Length < length)
        {
            return 0;
        }

        if (length == 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        }

        return length;
    }

    /// <summary>Converts to <see cref="IPAddress"/> (allocates; edge use).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        int length = WriteAddressBytes(bytes);
        return length == 0 ? IPAddress.None : new IPAddress(bytes[..length]);
    }

    /// <summary>Converts to <see cref="IPEndPoint"/> (allocates; edge use).</summary>
    public IPEndPoint ToEndPoint() => new(ToIPAddress(), _port);

    /// <summary>The <see cref="AddressFamily"/> of the socket layer.</summary>
    public AddressFamily SocketAddressFamily => IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <inheritdoc />
    public bool Equals(TransportAddress other) =>
        _low == other._low && _high == other._high && _port == other._port && _family == other._family;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TransportAddress other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_high, _low, _port, _family);

    /// <summary>"a.b.c.d:port" or "[v6]:port".</summary>
    public override string ToString() => _family == StunAddressFamily.None
        ? "(none)"
        : IsIPv6
            ? string.Create(CultureInfo.InvariantCulture, $"[{ToIPAddress()}]:{_port}")
            : string.Create(CultureInfo.InvariantCulture, $"{ToIPAddress()}:{_port}");

    /// <summary>Equality.</summary>
    public static bool operator ==(TransportAddress left, TransportAddress right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(TransportAddress left, TransportAddress right) => !left.Equals(right);
}
