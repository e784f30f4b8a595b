using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Ice;

/// <summary>
/// One accepted ICE-TCP connection to our passive candidate (RFC 6544 §3): frames are RFC 4571 (16-bit
/// length, then one STUN, DTLS, RTP or RTCP packet). Each frame is dispatched like a UDP datagram.
/// <para>Sends never block the caller (a receive loop, often under a transport's receive gate): the socket is
/// non-blocking; what the kernel does not take waits in a small bounded per-connection queue (a byte ring,
/// allocated the first time the connection backs up) that a writer task drains as the socket becomes writable.
/// Frames are queued whole or dropped whole (counted <c>tcp_send_queue_full</c>), so the stream stays framed; a
/// connection whose full queue made no progress for the stall timeout is closed (<c>tcp_send_stalled</c>).</para>
/// </summary>
internal sealed class IceTcpConnection : IcePath, IDisposable
{
    private const int MaxFrame = ushort.MaxValue;
    private const int StackFrame = 2048;
    private const int DrainChunk = 16 * 1024;
    private readonly Socket _socket;
    private readonly Lock _sendGate = new();
    private readonly int _queueCapacity;
    private readonly long _stallTicks;
    private byte[]? _queue; // under _sendGate: ring of bytes not yet taken by the kernel
    private int _queueStart; // under _sendGate
    private int _queueCount; // under _sendGate
    private bool _draining; // under _sendGate: the writer task owns the socket's send side
    private bool _closed; // under _sendGate
    private long _lastProgress; // under _sendGate: when the queue last began or moved

    public IceTcpConnection(Socket socket, int queueCapacity = 128 * 1024, TimeSpan? stallTimeout = null)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _socket.Blocking = false; // synchronous sends return WouldBlock instead of waiting; async reads are unaffected
        _queueCapacity = Math.Max(queueCapacity, 2 + MaxFrame); // the rest of any one frame fits an empty queue
        _stallTicks = (long)((stallTimeout ?? TimeSpan.FromSeconds(5)).TotalSeconds * Stopwatch.Frequency);
        Remote = TransportAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!).Normalize();
    }

    public TransportAddress Remote { get; }

    public override TransportProtocol Protocol => TransportProtocol.Tcp;

    /// <summary>True once <see cref="Dispose"/> ran (the read loop ended, or the transport closed it).</summary>
    internal bool IsClosed
    {
        get
        {
            lock (_sendGate)
            {
                return _closed;
            }
        }
    }

    /// <summary>Set once a connectivity check on this connection passed; before that nothing is queued for it.</summary>
    internal volatile bool Validated;

    /// <summary>Frames dropped because the send queue was full (tests read it).</summary>
    internal long QueueDrops { get; private set; }

    /// <summary>Sends or queues one RFC 4571 frame without blocking; false when it was dropped or the connection is gone.</summary>
    public override bool Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxFrame)
        {
            return false;
        }
        var frameLength = datagram.Length + 2;
        byte[]? rented = null;
        var frame = frameLength <= StackFrame ? stackalloc byte[StackFrame] : (rented = ArrayPool<byte>.Shared.Rent(frameLength));
        frame = frame[..frameLength];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)datagram.Length);
        datagram.CopyTo(frame[2..]);
        try
        {
            return SendFrame(frame);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private bool SendFrame(ReadOnlySpan<byte> frame)
    {
        var startWriter = false;
        lock (_sendGate)
        {
            if (_closed)
            {
                return false;
            }
            if (_queueCount == 0 && !_draining)
            {
                // The usual case: the kernel takes the whole frame now.
                var sent = TrySend(frame, out var failed);
                if (failed)
                {
                    return false;
                }
                if (sent == frame.Length)
                {
                    return true;
                }
                if (!Validated)
                {
                    // Nothing is queued for a peer no check has validated (it could make every connection slot hold a
                    // full queue of error answers): one that does not read what it is answered is closed.
                    IceMetrics.Drop("tcp_unvalidated_backlog");
                    _closed = true;
                }
                else
                {
                    Enqueue(frame[sent..]); // the rest of a partly sent frame always fits an empty queue
                    _lastProgress = Stopwatch.GetTimestamp();
                    _draining = startWriter = true;
                }
            }
            else if (_queueCount + frame.Length <= _queue!.Length)
            {
                Enqueue(frame); // the writer sends it in order
                return true;
            }
            else
            {
                QueueDrops++;
                IceMetrics.Drop("tcp_send_queue_full");
                if (Stopwatch.GetTimestamp() - _lastProgress < _stallTicks)
                {
                    return false;
                }
                IceMetrics.Drop("tcp_send_stalled");
                _closed = true;
            }
        }
        if (startWriter)
        {
            _ = DrainAsync();
            return true;
        }
        _socket.Dispose(); // stuck (the peer has not read for the stall timeout, or unvalidated and not reading); its read loop ends too
        return false;
    }

    /// <summary>Caller holds the gate: one non-blocking send; marks the connection closed on a real error.</summary>
    private int TrySend(ReadOnlySpan<byte> bytes, out bool failed)
    {
        failed = false;
        SocketError error;
        int sent;
        try
        {
            sent = _socket.Send(bytes, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.Shutdown;
            sent = 0;
        }
        if (error is SocketError.Success or SocketError.WouldBlock)
        {
            return Math.Max(sent, 0);
        }
        IceMetrics.Drop("tcp_send_error");
        _closed = failed = true;
        return 0;
    }

    /// <summary>Caller holds the gate and checked the room: appends to the ring.</summary>
    private void Enqueue(ReadOnlySpan<byte> bytes)
    {
        _queue ??= new byte[_queueCapacity];
        var end = (_queueStart + _queueCount) % _queue.Length;
        var first = Math.Min(bytes.Length, _queue.Length - end);
        bytes[..first].CopyTo(_queue.AsSpan(end));
        bytes[first..].CopyTo(_queue);
        _queueCount += bytes.Length;
    }

    /// <summary>The writer: sends the queue as the socket becomes writable, then hands the send side back.</summary>
    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> segment;
                lock (_sendGate)
                {
                    if (_closed || _queueCount == 0)
                    {
                        _draining = false;
                        _queueStart = _queueCount = 0;
                        return;
                    }
                    // Appends go after the queued bytes, never into this segment: it is safe to send unlocked.
                    // At most 16 KiB per send, so a peer that reads slowly but steadily shows progress (the stall timeout).
                    segment = _queue.AsMemory(_queueStart, Math.Min(Math.Min(_queueCount, _queue!.Length - _queueStart), DrainChunk));
                }
                var sent = await _socket.SendAsync(segment, SocketFlags.None).ConfigureAwait(false);
                lock (_sendGate)
                {
                    _queueStart = (_queueStart + sent) % _queue!.Length;
                    _queueCount -= sent;
                    _lastProgress = Stopwatch.GetTimestamp();
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            IceMetrics.Drop("tcp_send_error");
            lock (_sendGate)
            {
                _closed = true;
                _draining = false;
                _queueStart = _queueCount = 0;
            }
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

    /// <summary>Closes the socket: a queued send is dropped, the writer and the read loop end.</summary>
    public void Dispose()
    {
        lock (_sendGate)
        {
            _closed = true;
        }
        _socket.Dispose();
    }
}
