using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>A UDP client: the listener socket it talks to and its address, serialized once.</summary>
internal sealed class UdpClientSink(Socket socket, SocketAddress client) : IClientSink
{
    public bool IsStream => false;

    /// <summary>The listener socket the client talks to (the batched relay path sends on it directly).</summary>
    internal Socket Socket => socket;

    /// <summary>The client's address.</summary>
    internal SocketAddress Address => client;

    public void Send(ReadOnlySpan<byte> message)
    {
        try
        {
            socket.SendTo(message, SocketFlags.None, client);
        }
        catch (SocketException)
        {
            // A full socket buffer or an ICMP error: UDP may drop, and so do we.
        }
        catch (ObjectDisposedException)
        {
            // The listener is shutting down.
        }
    }
}
