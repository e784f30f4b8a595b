using System.Buffers;
using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Reads a <see cref="StreamConnection"/> where no <see cref="StreamPoller"/> does (not Linux x64, or the poller turned
/// off): an asynchronous loop through the socket's stream (or the SslStream over it) in which an idle connection holds
/// no buffer: it waits with a zero-byte read and rents its receive buffer (16 KiB, grown to the largest frame only
/// while one is read) and its <see cref="IngressState"/> only while bytes arrive. A frame that cannot be delimited
/// closes the connection; a ConnectionBind hands the stream to the RFC 6062 data relay.
/// </summary>
internal static class StreamAsyncReader
{
    /// <summary>Receive buffer rented when bytes arrive.</summary>
    internal const int ReadSize = 16 * 1024;

    private const int MaxBufferSize = StunFraming.MaxFrameLength + 4;

    /// <summary>Reads <paramref name="connection"/> until it ends, then closes it.</summary>
    internal static async Task RunAsync(StreamConnection connection, CancellationToken token)
    {
        string reason = "closed by client";
        bool relaying = false;
        byte[]? buffer = null;
        IngressState? ingress = null;
        try
        {
            Stream stream = await connection.OpenAsync(token).ConfigureAwait(false);
            int filled = 0;
            while (!connection.IsClosed)
            {
                if (buffer is null)
                {
                    await stream.ReadAsync(Memory<byte>.Empty, token).ConfigureAwait(false); // idle: wait without a buffer
                    buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
                }
                int read = await stream.ReadAsync(buffer.AsMemory(filled), token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                filled += read;
                ingress ??= IngressPool.Rent();
                int consumed = connection.ProcessRead(buffer, filled, ingress);
                if (consumed < 0)
                {
                    reason = "unframeable data";
                    break;
                }
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (connection.DataPeer is { } peer)
                {
                    relaying = true;
                    await connection.Sender.WhenQueuedAtMostAsync(0).ConfigureAwait(false); // the ConnectionBind answer goes first
                    await peer.RelayAsync(connection, stream, buffer.AsMemory(0, filled)).ConfigureAwait(false);
                    reason = "data connection closed";
                    break;
                }
                if (connection.Sender.Queued > connection.QueueLimit)
                {
                    await connection.Sender.WhenQueuedAtMostAsync(connection.QueueLimit).ConfigureAwait(false); // it does not read its answers: stop reading
                }
                if (filled == buffer.Length)
                {
                    buffer = Grow(buffer, filled); // a frame larger than the buffer is on its way
                }
                else if (filled == 0 && connection.Available == 0)
                {
                    Release(ref buffer, ref ingress);
                }
            }
        }
        catch (Exception ex) when (StreamConnection.EndsConnection(ex))
        {
            reason = ex.GetType().Name;
        }
        finally
        {
            connection.Close();
            Release(ref buffer, ref ingress);
            connection.Closed(relaying, reason);
        }
    }

    private static byte[] Grow(byte[] buffer, int filled)
    {
        if (buffer.Length >= MaxBufferSize)
        {
            return buffer; // cannot happen: a frame is at most MaxFrameLength bytes (the next read returns 0 and closes)
        }
        byte[] larger = ArrayPool<byte>.Shared.Rent(MaxBufferSize);
        buffer.AsSpan(0, filled).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private static void Release(ref byte[]? buffer, ref IngressState? ingress)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
        if (ingress is not null)
        {
            IngressPool.Return(ingress);
            ingress = null;
        }
    }
}
