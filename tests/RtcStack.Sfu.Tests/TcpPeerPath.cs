using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using RtcStack.Ice;
using RtcStack.Stun;

namespace RtcStack.Sfu.Tests;

/// <summary>
/// A <see cref="LoopbackPeer"/>'s second path: an ICE-TCP connection (RFC 6544 active side) to the media port's
/// passive candidate, carrying RFC 4571 frames. Validated by one check, after which the server hears SRTP on it.
/// </summary>
internal sealed class TcpPeerPath : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Lock _sendGate = new();
    private Task? _reader;

    private TcpPeerPath()
    {
    }

    public BlockingCollection<byte[]> Stun { get; } = new();

    /// <summary>Connects, sends <paramref name="check"/> and waits for its success response.</summary>
    public static async Task<TcpPeerPath> ConnectAsync(IPEndPoint server, byte[] check)
    {
        var path = new TcpPeerPath();
        await path._socket.ConnectAsync(server);
        path._socket.NoDelay = true;
        path._reader = Task.Run(path.ReadLoopAsync);
        path.Send(check);
        Assert.True(path.Stun.TryTake(out var response, 30_000), "no STUN response over ICE-TCP");
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out var reader));
        Assert.Equal(StunClass.SuccessResponse, reader.Class);
        return path;
    }

    /// <summary>Sends one frame; false once the server closed the connection.</summary>
    public bool Send(ReadOnlySpan<byte> packet)
    {
        Span<byte> frame = stackalloc byte[2 + packet.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)packet.Length);
        packet.CopyTo(frame[2..]);
        try
        {
            lock (_sendGate)
            {
                return _socket.Send(frame) == frame.Length;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[2 + ushort.MaxValue];
        var filled = 0;
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                if (n == 0)
                {
                    return;
                }
                filled += n;
                var offset = 0;
                while (filled - offset >= 2 && filled - offset - 2 >= BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(offset)))
                {
                    var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(offset));
                    var frame = buffer.AsSpan(offset + 2, length);
                    if (MediaPacketClassifier.Classify(frame) == MediaPacketKind.Stun)
                    {
                        Stun.Add(frame.ToArray());
                    }
                    offset += 2 + length;
                }
                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (_reader is not null)
        {
            await _reader;
        }
    }
}
