using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Ice;

/// <summary>
/// One accepted ICE-TCP connection to our passive candidate (RFC 6544 §3): frames are RFC 4571 (16-bit
/// length, then one STUN, DTLS, RTP or RTCP packet). Each frame is dispatched like a UDP datagram.
/// </summary>
internal sealed class IceTcpConnection : IcePath, IDisposable
{
    private const int MaxFrame = ushort.MaxValue;
    private readonly Socket _socket;
    private readonly Lock _sendGate = new();

    public IceTcpConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        Remote = TransportAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!).Normalize();
    }

    public TransportAddress Remote { get; }

    public override TransportProtocol Protocol => TransportProtocol.Tcp;

    /// <summary>Writes one RFC 4571 frame; false when the connection is gone.</summary>
    public override bool Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxFrame)
        {
            return false;
        }
        var frame = ArrayPool<byte>.Shared.Rent(datagram.Length + 2);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)datagram.Length);
            datagram.CopyTo(frame.AsSpan(2));
            lock (_sendGate)
            {
                return _socket.Send(frame, 0, datagram.Length + 2, SocketFlags.None) == datagram.Length + 2;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            IceMetrics.Drop("tcp_send_error");
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Reads frames until the peer closes or a frame is malformed; each goes to <paramref name="onFrame"/>.</summary>
    public async Task ReadFramesAsync(Action<IceTcpConnection, Memory<byte>> onFrame, CancellationToken cancellationToken)
    {
        var buffer = new byte[2 + MaxFrame];
        var filled = 0;
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }
                filled += n;
                var offset = 0;
                while (filled - offset >= 2)
                {
                    var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(offset));
                    if (filled - offset - 2 < length)
                    {
                        break;
                    }
                    onFrame(this, buffer.AsMemory(offset + 2, length));
                    offset += 2 + length;
                }
                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is gone.
        }
    }

    public void Dispose() => _socket.Dispose();
}
