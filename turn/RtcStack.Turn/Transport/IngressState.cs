using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Per receive loop scratch space (one loop is one thread at a time): the response buffer and one socket
/// address per family for Send indications, so handling a message allocates nothing.
/// </summary>
internal sealed class IngressState
{
    /// <summary>Large enough for any response or Data indication the server writes.</summary>
    internal const int ScratchSize = 2048;

    internal byte[] Scratch { get; } = GC.AllocateUninitializedArray<byte>(ScratchSize, pinned: true);

    internal SocketAddress PeerV4 { get; } = new IPEndPoint(IPAddress.Any, 0).Serialize();

    internal SocketAddress PeerV6 { get; } = new IPEndPoint(IPAddress.IPv6Any, 0).Serialize();

    /// <summary>
    /// Where datagrams for peers are queued instead of sent one by one (set by the batched UDP listener, whose receive
    /// slots are pinned and stay unchanged until it flushes); null: send each at once (stream clients, other platforms).
    /// </summary>
    internal SendBatch? PeerSends { get; init; }

    internal SocketAddress PeerFor(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? PeerV6 : PeerV4;
}
