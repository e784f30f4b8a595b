using System.Buffers;
using System.Collections.Concurrent;
using Org.BouncyCastle.Tls;

namespace RtcStack.Dtls;

/// <summary>
/// BouncyCastle's blocking <see cref="DatagramTransport"/> over a bounded queue of received datagrams.
/// During the handshake <c>Receive</c> blocks (up to BouncyCastle's wait) on the handshake thread; once
/// <see cref="Draining"/> is set it never blocks, so application data can be decrypted inline on the
/// thread that delivered the datagram. Buffers come from the shared array pool.
/// </summary>
internal sealed class QueueDatagramTransport(DtlsDatagramSender send, DtlsOptions options) : DatagramTransport, IDisposable
{
    private readonly BlockingCollection<(byte[] Buffer, int Length)> _queue =
        new(new ConcurrentQueue<(byte[], int)>(), options.HandshakeQueueCapacity);

    private volatile bool _closed;

    /// <summary>After the handshake: Receive returns at once when the queue is empty.</summary>
    public bool Draining { get; set; }

    /// <summary>Queues a copy of one datagram; false when the queue is full or closed.</summary>
    public bool Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (_closed)
        {
            return false;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        try
        {
            if (_queue.TryAdd((buffer, datagram.Length)))
            {
                return true;
            }
        }
        catch (InvalidOperationException)
        {
            // Completed for adding: closed concurrently.
        }
        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    public int GetReceiveLimit() => options.ReceiveLimit;

    public int GetSendLimit() => options.SendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        if (_closed)
        {
            throw new IOException("DTLS transport closed");
        }
        // BouncyCastle passes 0 for "no limit"; bound it so a closed transport is noticed.
        var wait = Draining ? 0 : (waitMillis <= 0 ? 100 : waitMillis);
        bool taken;
        (byte[] Buffer, int Length) item;
        try
        {
            taken = _queue.TryTake(out item, wait);
        }
        catch (ObjectDisposedException)
        {
            throw new IOException("DTLS transport closed");
        }
        if (!taken)
        {
            if (_closed)
            {
                throw new IOException("DTLS transport closed");
            }
            return -1;
        }
        var n = Math.Min(item.Length, buffer.Length);
        item.Buffer.AsSpan(0, n).CopyTo(buffer);
        ArrayPool<byte>.Shared.Return(item.Buffer);
        return n;
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (!_closed)
        {
            send(buffer);
        }
    }

    public void Close()
    {
        _closed = true;
        _queue.CompleteAdding();
    }

    public void Dispose()
    {
        Close();
        while (_queue.TryTake(out var item))
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }
}
