using System.Buffers.Binary;

namespace RtcStack.Turn.Transport;

/// <summary>The asynchronous reads of the TLS handshake (before the connection is framed on the poller thread).</summary>
internal sealed partial class StreamPollReader
{
    /// <summary>
    /// Reads what is there without blocking (the TLS handshake); when nothing is, waits on
    /// the poller for the socket to become readable. 0: end of stream. A zero-byte read completes when bytes are there.
    /// </summary>
    internal async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token)
    {
        while (true)
        {
            if (!buffer.IsEmpty)
            {
                int n = _handshake ? ReceiveWithinRecord(buffer.Span) : Receive(buffer.Span);
                if (n >= 0)
                {
                    return n;
                }
            }
            else if ((_headLength == 5 && _headServed < 5) || _socket.Available > 0)
            {
                return 0;
            }
            await WaitReadableAsync(token).ConfigureAwait(false);
            if (buffer.IsEmpty)
            {
                return 0;
            }
        }
    }

    /// <summary>
    /// During the handshake: never reads past the end of the current TLS record, so that when the handshake completes the
    /// SslStream holds no record the client sent right after its Finished (the poller reads from there on).
    /// </summary>
    private int ReceiveWithinRecord(Span<byte> into)
    {
        if (_headLength < 5)
        {
            int n = Receive(_head.AsSpan(_headLength));
            if (n <= 0)
            {
                return n == 0 ? 0 : -1;
            }
            _headLength += n;
            if (_headLength < 5)
            {
                return -1;
            }
            _bodyLeft = BinaryPrimitives.ReadUInt16BigEndian(_head.AsSpan(3));
            _headServed = 0;
        }
        int read;
        if (_headServed < 5)
        {
            read = Math.Min(into.Length, 5 - _headServed);
            _head.AsSpan(_headServed, read).CopyTo(into);
            _headServed += read;
        }
        else
        {
            read = Receive(into[..Math.Min(into.Length, _bodyLeft)]);
            if (read <= 0)
            {
                return read;
            }
            _bodyLeft -= read;
        }
        if (_headServed == 5 && _bodyLeft == 0)
        {
            _headLength = 0; // the record is whole: the next read starts the next one
        }
        return read;
    }

    private async Task WaitReadableAsync(CancellationToken token)
    {
        Task wait;
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_mode == Mode.Detached, this);
            _waiter = waiter;
            _mode = Mode.Waiting;
            if (!Arm(Readable | LinuxNative.EpollOneShot))
            {
                throw new IOException("epoll refused the socket");
            }
            wait = waiter.Task;
        }
        try
        {
            await (token.CanBeCanceled ? wait.WaitAsync(token) : wait).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_waiter, waiter))
                {
                    _waiter = null; // abandoned: nobody would observe it failing at the Detach
                    if (_mode == Mode.Waiting)
                    {
                        _mode = Mode.Idle;
                    }
                }
            }
            throw;
        }
    }
}
