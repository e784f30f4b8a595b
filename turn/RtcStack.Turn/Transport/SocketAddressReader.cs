using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Reads and writes a <see cref="SocketAddress"/> or raw sockaddr bytes (sockaddr_in / sockaddr_in6: family, port in
/// network order at offset 2, IPv4 at offset 4, IPv6 at offset 8) as a <see cref="TransportAddress"/>
/// without allocating, for the receive and send paths and the system calls of the RFC 6062 relay.
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

    /// <summary>Raw sockaddr bytes whose family field (host order, as Linux writes it) says IPv4 or IPv6.</summary>
    internal static TransportAddress Read(ReadOnlySpan<byte> raw) =>
        Read(raw, MemoryMarshal.Read<ushort>(raw) == LinuxNative.AfInet6);

    /// <summary>Overwrites <paramref name="destination"/> (of the same family) with <paramref name="address"/>.</summary>
    internal static bool TryWrite(in TransportAddress address, SocketAddress destination)
    {
        if (address.IsIPv4 != (destination.Family == AddressFamily.InterNetwork)
            || address.IsIPv6 != (destination.Family == AddressFamily.InterNetworkV6))
        {
            return false;
        }
        WritePortAndAddress(address, address.Port, destination.Buffer.Span);
        return true;
    }

    /// <summary>
    /// Writes a whole Linux sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes: flow info and scope id 0) for
    /// <paramref name="address"/> with <paramref name="port"/> into <paramref name="destination"/>, e.g. for bind(2) or
    /// connect(2); its length, or 0 when <paramref name="destination"/> is too small.
    /// </summary>
    internal static int Write(in TransportAddress address, ushort port, Span<byte> destination)
    {
        int length = address.IsIPv4 ? SockaddrIn : SockaddrIn6;
        if (destination.Length < length)
        {
            return 0;
        }
        Span<byte> raw = destination[..length];
        raw.Clear();
        MemoryMarshal.Write(raw, (ushort)(address.IsIPv4 ? LinuxNative.AfInet : LinuxNative.AfInet6));
        WritePortAndAddress(address, port, raw);
        return length;
    }

    /// <summary>Bytes of a sockaddr_in and of a sockaddr_in6.</summary>
    internal const int SockaddrIn = 16, SockaddrIn6 = 28;

    private static void WritePortAndAddress(in TransportAddress address, ushort port, Span<byte> raw)
    {
        BinaryPrimitives.WriteUInt16BigEndian(raw[2..], port);
        if (address.IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(raw[4..], address.IPv4Value);
            return;
        }
        BinaryPrimitives.WriteUInt64BigEndian(raw[8..], address.IPv6High);
        BinaryPrimitives.WriteUInt64BigEndian(raw[16..], address.IPv6Low);
    }

    /// <summary>A fresh socket address of the family (edge use: allocates).</summary>
    internal static SocketAddress Create(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? new IPEndPoint(IPAddress.IPv6Any, 0).Serialize()
        : new IPEndPoint(IPAddress.Any, 0).Serialize();
}
