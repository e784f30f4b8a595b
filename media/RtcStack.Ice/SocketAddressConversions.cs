using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Ice;

/// <summary>Reads a <see cref="SocketAddress"/> (sockaddr_in / sockaddr_in6 layout) into a <see cref="TransportAddress"/> without allocating.</summary>
internal static class SocketAddressConversions
{
    public static TransportAddress ToTransportAddress(SocketAddress address)
    {
        var b = address.Buffer.Span;
        var port = BinaryPrimitives.ReadUInt16BigEndian(b[2..]);
        if (address.Family == AddressFamily.InterNetwork)
        {
            return TransportAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(b[4..]), port);
        }
        return TransportAddress.FromIPv6(BinaryPrimitives.ReadUInt64BigEndian(b[8..]), BinaryPrimitives.ReadUInt64BigEndian(b[16..]), port).Normalize();
    }

    public static SocketAddress ToSocketAddress(TransportAddress address, AddressFamily socketFamily)
    {
        var ip = address.ToIPAddress();
        if (socketFamily == AddressFamily.InterNetworkV6 && ip.AddressFamily == AddressFamily.InterNetwork)
        {
            ip = ip.MapToIPv6();
        }
        return new IPEndPoint(ip, address.Port).Serialize();
    }
}
