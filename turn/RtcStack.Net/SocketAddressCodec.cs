using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Net;

/// <summary>
/// Converts between <see cref="SocketAddress"/> (sockaddr_in / sockaddr_in6 bytes: port in network
/// order at offset 2, IPv4 address at 4, IPv6 address at 8) and <see cref="TransportAddress"/>
/// without allocating. IPv4-mapped IPv6 sources (dual-mode sockets) are normalised to IPv4.
/// </summary>
public static class SocketAddressCodec
{
    /// <summary>A new socket address of the family, sized for it (allocates; create once and reuse).</summary>
    public static SocketAddress Create(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? new IPEndPoint(IPAddress.IPv6Any, 0).Serialize()
        : new IPEndPoint(IPAddress.Any, 0).Serialize();

    /// <summary>Reads the address; an IPv4-mapped IPv6 address becomes IPv4.</summary>
    public static TransportAddress Read(SocketAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        ReadOnlySpan<byte> raw = address.Buffer.Span;
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        return address.Family == AddressFamily.InterNetworkV6
            ? TransportAddress.FromIPv6(BinaryPrimitives.ReadUInt64BigEndian(raw[8..]), BinaryPrimitives.ReadUInt64BigEndian(raw[16..]), port).Normalize()
            : TransportAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(raw[4..]), port);
    }

    /// <summary>
    /// Overwrites <paramref name="destination"/> with <paramref name="address"/>. An IPv4 address
    /// written into an IPv6 socket address becomes IPv4-mapped (for dual-mode sockets).
    /// </summary>
    /// <returns>False when an IPv6 address does not fit an IPv4 socket address, or the address is empty.</returns>
    public static bool TryWrite(in TransportAddress address, SocketAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Span<byte> raw = destination.Buffer.Span;
        if (destination.Family == AddressFamily.InterNetwork)
        {
            if (!address.IsIPv4)
            {
                return false;
            }

            BinaryPrimitives.WriteUInt16BigEndian(raw[2..], address.Port);
            BinaryPrimitives.WriteUInt32BigEndian(raw[4..], address.IPv4Value);
            return true;
        }

        if (destination.Family != AddressFamily.InterNetworkV6 || address.Family == StunAddressFamily.None)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(raw[2..], address.Port);
        BinaryPrimitives.WriteUInt64BigEndian(raw[8..], address.IsIPv4 ? 0 : address.IPv6High);
        BinaryPrimitives.WriteUInt64BigEndian(raw[16..], address.IsIPv4 ? 0x0000_FFFF_0000_0000UL | address.IPv4Value : address.IPv6Low);
        return true;
    }
}
