using System.Net;
using RtcStack.Stun;

namespace RtcStack.Ice;

/// <summary>Where a validated pair sends: a UDP address on the shared socket, or one ICE-TCP connection.</summary>
internal abstract class IcePath
{
    public abstract TransportProtocol Protocol { get; }

    public abstract bool Send(ReadOnlySpan<byte> datagram);
}

/// <summary>A remote address on the shared UDP socket.</summary>
internal sealed class UdpIcePath(IceLiteServer server, SocketAddress target) : IcePath
{
    public override TransportProtocol Protocol => TransportProtocol.Udp;

    public override bool Send(ReadOnlySpan<byte> datagram) => server.SendTo(datagram, target);
}
