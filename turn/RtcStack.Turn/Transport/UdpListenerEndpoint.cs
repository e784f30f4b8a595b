using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The UDP client of the datagram being handled: the listener socket and the sender's address. With a
/// <paramref name="batch"/> (the batched listener's), answers are copied into it and leave with the other datagrams
/// of the receive batch in one sendmmsg, when the listener flushes it after the batch.
/// </summary>
internal sealed class UdpListenerEndpoint(Socket socket, SocketAddress current, SendBatch? batch = null) : IClientEndpoint
{
    public bool IsStream => false;

    public void Send(ReadOnlySpan<byte> message)
    {
        if (batch is not null)
        {
            batch.AddCopy(socket, message, current);
            return;
        }
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
