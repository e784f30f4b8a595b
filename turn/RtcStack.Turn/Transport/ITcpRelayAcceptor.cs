using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>What <see cref="TcpRelayAccept"/> hands the owner of a listening relayed address.</summary>
internal interface ITcpRelayAcceptor
{
    /// <summary>
    /// A peer connected (thread pool). <paramref name="fd"/> is a non-blocking, close-on-exec descriptor the owner now
    /// owns: it must keep it (wrapped in a socket) or close it.
    /// </summary>
    void Accepted(int fd, TransportAddress peer);

    /// <summary>
    /// Accepting stopped on <paramref name="errno"/> (out of descriptors or memory; called on the draining thread):
    /// the owner waits and calls <see cref="TcpRelayAccept.Drain"/> again.
    /// </summary>
    void AcceptExhausted(int errno);
}
