using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Reads and writes a <see cref="SocketAddress"/> (sockaddr_in / sockaddr_in6 bytes: family, port in
/// network order at offset 2, IPv4 at offset 4, IPv6 at offset 8) as a <see cref="TransportAddress"/>
/// without allocating, for the receive and send paths.
/// </summary>
internal static class SocketAddressReader
{
    internal static TransportAddress Read(SocketAddress address) =>
        Read(address.Buffer.Span, address.Family == AddressFamily.InterNetworkV6);

    /// <summary>Raw sockaddr bytes (e.g. written by accept4(2)); IPv4-mapped IPv6 addresses normalised.</summary>
    internal static TransportAddress Read(ReadOnlySpan<byte> raw, bool ipv6)
    {
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        return ipv6
            ? TransportAddress.FromIPv6(BinaryPrimitives.ReadUInt64BigEndian(raw[8..]), BinaryPrimitives.ReadUInt64BigEndian(raw[16..]), port).Normalize()
            : TransportAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(raw[4..]), port);
    }

    /// <summary>Overwrites <paramref name="destination"/> (of the same family) with <paramref name="address"/>.</summary>
    internal static bool TryWrite(in TransportAddress address, SocketAddress destination)
    {
        Span<byte> raw = destination.Buffer.Span;
        if (address.IsIPv4 && destination.Family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16BigEndian(raw[2..], address.Port);
            BinaryPrimitives.WriteUInt32BigEndian(raw[4..], address.IPv4Value);
            return true;
        }
        if (address.IsIPv6 && destination.Family == AddressFamily.InterNetworkV6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(raw[2..], address.Port);
            BinaryPrimitives.WriteUInt64BigEndian(raw[8..], address.IPv6High);
            BinaryPrimitives.WriteUInt64BigEndian(raw[16..], address.IPv6Low);
            return true;
        }
        return false;
    }

    /// <summary>A fresh socket address of the family (edge use: allocates).</summary>
    internal static SocketAddress Create(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? new IPEndPoint(IPAddress.IPv6Any, 0).Serialize()
        : new IPEndPoint(IPAddress.Any, 0).Serialize();
}
