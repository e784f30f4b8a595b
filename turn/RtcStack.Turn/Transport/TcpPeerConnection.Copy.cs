using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>The relay of a data connection by copying (TLS, a bandwidth cap, or no <see cref="TcpRelayLoop"/>): a pooled buffer and a pump per direction.</summary>
internal sealed partial class TcpPeerConnection
{
    /// <summary>The relay without <see cref="TcpRelayLoop"/>: a pooled buffer and an async read/write loop per direction.</summary>
    private async Task CopyBothWaysAsync(StreamConnection client, Stream clientStream, ReadOnlyMemory<byte> early)
    {
        var peerStream = new NetworkStream(_socket, ownsSocket: false);
        await using (peerStream.ConfigureAwait(false))
        {
            Task up = PumpAsync(clientStream, peerStream, early, toPeer: true, () => ShutdownPeer());
            Task down = PumpAsync(peerStream, clientStream, ReadOnlyMemory<byte>.Empty, toPeer: false, () => client.ShutdownSendAsync());
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
    }

    private async Task PumpAsync(Stream from, Stream to, ReadOnlyMemory<byte> first, bool toPeer, Func<Task> endOfStream)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            if (!first.IsEmpty)
            {
                await to.WriteAsync(first).ConfigureAwait(false);
                _owner.Relayed(first.Length, toPeer);
                await _owner.PaceAsync(first.Length, toPeer).ConfigureAwait(false);
            }
            if (toPeer && from is SslStream && !_owner.IsPaced)
            {
                await TlsRecordPump.RunAsync(from, to, buffer, BufferSize, this, Close).ConfigureAwait(false); // returns once no read is in flight
                await endOfStream().ConfigureAwait(false);
                return;
            }
            while (true)
            {
                int read = await from.ReadAsync(buffer.AsMemory(0, BufferSize)).ConfigureAwait(false);
                if (read == 0)
                {
                    await endOfStream().ConfigureAwait(false);
                    return;
                }
                await to.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                _owner.Relayed(read, toPeer);
                await _owner.PaceAsync(read, toPeer).ConfigureAwait(false); // max-bps: hold the sender back by not reading
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            Close(toPeer ? "client data connection failed" : "peer connection failed");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Task ShutdownPeer()
    {
        _socket.Shutdown(SocketShutdown.Send);
        return Task.CompletedTask;
    }
}
