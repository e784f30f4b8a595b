using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The writer of a <see cref="StreamSender"/>: on the thread pool, the queued frames written one asynchronous write at
/// a time (one frame per TLS record), each continued by a cached callback, until the queue is empty or a write waits.
/// </summary>
internal sealed partial class StreamSender
{
    private void Schedule()
    {
        _writing = true;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Writes what is queued, one write at a time, until the queue is empty or a write has to wait.</summary>
    private void Drain()
    {
        while (true)
        {
            ReadOnlyMemory<byte> next;
            lock (_lock)
            {
                if (_closed || _queue.IsEmpty)
                {
                    _queue.Clear();
                    _writing = false;
                    ReleaseWaiter();
                    return;
                }
                next = _queue.Peek();
            }
            if (_tls is not null && StreamFrames.Length(next.Span) is > 0 and int frame && frame < next.Length)
            {
                next = next[..frame]; // one frame per TLS record (see Enqueue)
            }
            _inFlight = next.Length;
            try
            {
                if (_tls is { } tls)
                {
                    _tlsWrite = tls.WriteAsync(next);
                    if (!_tlsWrite.IsCompleted)
                    {
                        _tlsWrite.GetAwaiter().UnsafeOnCompleted(_onWritten);
                        return;
                    }
                }
                else
                {
                    _plainWrite = _socket.SendAsync(next, SocketFlags.None);
                    if (!_plainWrite.IsCompleted)
                    {
                        _plainWrite.GetAwaiter().UnsafeOnCompleted(_onWritten);
                        return;
                    }
                }
            }
            catch (Exception ex) when (IsWriteFailure(ex))
            {
                Fail();
                continue;
            }
            Written();
        }
    }

    private void OnWritten()
    {
        Written();
        Drain();
    }

    /// <summary>Takes the result of the finished write and releases its bytes from the queue.</summary>
    private void Written()
    {
        int written = _inFlight;
        try
        {
            if (_tls is not null)
            {
                ValueTask write = _tlsWrite;
                _tlsWrite = default;
                write.GetAwaiter().GetResult();
            }
            else
            {
                ValueTask<int> write = _plainWrite;
                _plainWrite = default;
                written = write.GetAwaiter().GetResult();
            }
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            Fail();
            return;
        }
        lock (_lock)
        {
            _queue.Advance(written);
            ReleaseWaiter();
        }
    }

    private void Fail()
    {
        lock (_lock)
        {
            _closed = true;
        }
        _failed();
    }
}
