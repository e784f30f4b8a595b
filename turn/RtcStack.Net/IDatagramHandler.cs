using RtcStack.Stun;

namespace RtcStack.Net;

/// <summary>
/// Receives each datagram of a <see cref="UdpEndpoint"/>, synchronously, on the endpoint's receive
/// loop. The span is the loop's buffer and is reused for the next datagram: copy what must be kept.
/// Exceptions are caught and counted by the loop, but handlers should return
/// <see cref="PacketDisposition.Malformed"/> instead of throwing.
/// </summary>
public interface IDatagramHandler
{
    /// <summary>Handles one datagram from <paramref name="source"/> received on <paramref name="endpoint"/>.</summary>
    PacketDisposition OnDatagram(UdpEndpoint endpoint, ReadOnlySpan<byte> datagram, in TransportAddress source);
}
