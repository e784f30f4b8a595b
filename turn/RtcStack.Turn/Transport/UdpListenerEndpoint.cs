using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>The UDP client of the datagram being handled: the listener socket and the sender's address.</summary>
internal sealed class UdpListenerEndpoint(Socket socket, SocketAddress current) : IClientEndpoint
{
    public bool IsStream => false;

    public void Send(ReadOnlySpan<byte> message)
    {
        try
        {
            socket.SendTo(message, SocketFlags.None, current);
        }
        catch (SocketException)
        {
            // UDP may drop.
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    public IClientSink Persist()
    {
        var copy = new SocketAddress(current.Family, current.Size);
        current.Buffer.Span[..current.Size].CopyTo(copy.Buffer.Span);
        return new UdpClientSink(socket, copy);
    }
}
