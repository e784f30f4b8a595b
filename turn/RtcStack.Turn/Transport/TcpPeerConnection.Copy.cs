using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

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
                await PumpRecordsAsync(from, to, buffer).ConfigureAwait(false);
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

    /// <summary>
    /// A TLS client's bytes to the peer until its end of stream. The client's SslStream is handed one record per read
    /// (see <see cref="TlsRecordCapture"/>), so reads that complete at once (records the last socket read brought) are
    /// gathered and written to the peer together, as one socket read was before; a read that has to wait, or fails,
    /// first has what was gathered written (a bad record never holds back or loses the data before it).
    /// </summary>
    private async Task PumpRecordsAsync(Stream from, Stream to, byte[] buffer)
    {
        int start = 0, end = 0; // buffer[start..end): read, not yet written
        while (true)
        {
            if (start == end)
            {
                start = end = 0; // nothing held and no read in flight
            }
            else if (end == BufferSize)
            {
                await WriteToPeerAsync(to, buffer, start, end).ConfigureAwait(false);
                start = end = 0;
            }
            ValueTask<int> reading = from.ReadAsync(buffer.AsMemory(end, BufferSize - end));
            if (!reading.IsCompleted && end > start)
            {
                await WriteToPeerAsync(to, buffer, start, end).ConfigureAwait(false); // the read lands behind these bytes
                start = end;
            }
            int read;
            try
            {
                read = await reading.ConfigureAwait(false);
            }
            catch (Exception) when (end > start)
            {
                await WriteToPeerAsync(to, buffer, start, end).ConfigureAwait(false);
                throw;
            }
            if (read == 0)
            {
                if (end > start)
                {
                    await WriteToPeerAsync(to, buffer, start, end).ConfigureAwait(false);
                }
                return;
            }
            end += read;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteToPeerAsync(Stream to, byte[] buffer, int start, int end)
    {
        await to.WriteAsync(buffer.AsMemory(start, end - start)).ConfigureAwait(false);
        _owner.Relayed(end - start, toPeer: true);
    }

    private Task ShutdownPeer()
    {
        _socket.Shutdown(SocketShutdown.Send);
        return Task.CompletedTask;
    }
}
