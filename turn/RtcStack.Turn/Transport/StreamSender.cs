using System.Net.Sockets;
using RtcStack.Turn.Diagnostics;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The write side of one TCP or TLS client connection; <see cref="Send"/> never blocks its caller (the relay
/// threads, the connection's own receive loop). Plain TCP: when nothing is queued the frame goes straight to the
/// socket with a non-blocking send. Otherwise (TLS always: SslStream has no non-blocking write) the frame is copied
/// into a bounded <see cref="StreamSendQueue"/> and written by this connection's own writer on the thread pool,
/// one asynchronous write at a time, with a cached continuation (no task or closure per write); over TLS each frame
/// gets its own record, as coturn writes them. A relayed frame
/// (ChannelData or Data indication) that does not fit within the limit is dropped whole and counted — never a part
/// of one, which would break the stream's framing; other messages (responses, ConnectionAttempt) get a 64 KiB
/// reserve above it. A write that fails closes the connection. The writer (the queue's drain) is in StreamSender.Drain.cs.
/// </summary>
internal sealed partial class StreamSender : IThreadPoolWorkItem
{
    /// <summary>Room above the limit for messages that are not relayed data (responses, ConnectionAttempt).</summary>
    internal const int ControlReserve = 64 * 1024;

    /// <summary>Bytes TLS adds to a record at most (header, content type, tag, padding), counted against the limit.</summary>
    private const int RecordOverhead = 64;

    private readonly Socket _socket;
    private readonly int _limit;
    private readonly TurnMetrics _metrics;
    private readonly Action _failed;
    private readonly Action _onWritten;
    private readonly Lock _lock = new();
    private readonly StreamSendQueue _queue = new();
    private Stream? _tls;
    private Stream? _encrypt;
    private TlsRecordCapture? _capture;
    private bool _ready, _writing, _closed;
    private ValueTask<int> _plainWrite;
    private ValueTask _tlsWrite;
    private int _inFlight;
    private TaskCompletionSource? _waiter;
    private int _waitFor;

    internal StreamSender(Socket socket, int limit, TurnMetrics metrics, Action failed)
    {
        _socket = socket;
        _limit = limit;
        _metrics = metrics;
        _failed = failed;
        _onWritten = OnWritten;
    }

    /// <summary>Bytes queued now (for tests and backpressure).</summary>
    internal int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queue.Length;
            }
        }
    }

    /// <summary>
    /// Starts writing: <paramref name="tls"/> after its handshake, or null for plain TCP (the socket turns non-blocking).
    /// With <paramref name="capture"/> (the stream under <paramref name="tls"/>) frames are encrypted on the caller's
    /// thread, one record each, and the ciphertext goes out like plain TCP: a non-blocking send when nothing is queued.
    /// </summary>
    internal void Attach(Stream? tls, TlsRecordCapture? capture = null)
    {
        if (tls is null || capture is not null)
        {
            _socket.Blocking = false; // after the NetworkStream was made (it refuses a non-blocking socket); async calls are unaffected
        }
        bool failed = false;
        lock (_lock)
        {
            if (capture is not null)
            {
                _encrypt = tls;
                _capture = capture;
                tls = null;
                failed = !EncryptQueued();
            }
            _tls = tls;
            _ready = true;
            if (!_queue.IsEmpty && !_writing && !_closed)
            {
                Schedule();
            }
        }
        if (failed)
        {
            _failed();
        }
    }

    /// <summary>Sends or queues one or more whole frames; drops them (counted) when the queue is full. Never blocks or throws.</summary>
    internal void Send(ReadOnlySpan<byte> frames)
    {
        bool failed;
        lock (_lock)
        {
            failed = !_closed && !SendLocked(frames);
        }
        if (failed)
        {
            _failed();
        }
    }

    /// <summary>Sends, queues or drops (caller holds the lock); false when the connection failed.</summary>
    private bool SendLocked(ReadOnlySpan<byte> frames)
    {
        int room = StreamFrames.IsRelayedData(frames) ? _limit : _limit + ControlReserve;
        bool encrypted = _ready && _capture is not null;
        if (encrypted)
        {
            if (!_queue.IsEmpty && _queue.Length + frames.Length + RecordOverhead > room) // never drop a record once made: TLS numbers them
            {
                _metrics.ClientBacklog();
                return true;
            }
            if (!Encrypt(frames))
            {
                return false;
            }
            frames = _capture!.Captured;
        }
        if (_ready && _tls is null && !_writing && _queue.IsEmpty)
        {
            int sent = TrySendNow(frames);
            if (sent < 0)
            {
                return false;
            }
            if (sent == frames.Length)
            {
                return true;
            }
            if (sent > 0 || encrypted)
            {
                _queue.Enqueue(frames[sent..]); // the rest of a frame the socket took in part must follow, whatever the limit
                Schedule();
                return true;
            }
        }
        if (encrypted)
        {
            _queue.Enqueue(frames); // ciphertext: the room was checked on the frames
        }
        else
        {
            if (_queue.Length + frames.Length > room)
            {
                _metrics.ClientBacklog();
                return true;
            }
            Enqueue(frames);
        }
        if (_ready && !_writing)
        {
            Schedule();
        }
        return true;
    }

    /// <summary>Completes when at most <paramref name="bytes"/> are queued (0: all written), or the connection closed.</summary>
    internal Task WhenQueuedAtMostAsync(int bytes)
    {
        lock (_lock)
        {
            if (Satisfied(bytes))
            {
                return Task.CompletedTask;
            }
            _waitFor = bytes;
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }

    /// <summary>Stops writing; what is queued is dropped (by the writer when a write is in flight: it still reads that memory).</summary>
    internal void Close()
    {
        lock (_lock)
        {
            _closed = true;
            if (!_writing)
            {
                _queue.Clear();
            }
            ReleaseWaiter();
        }
    }

    void IThreadPoolWorkItem.Execute() => Drain();

    /// <summary>
    /// Queues (caller holds the lock). For TLS frame by frame, each kept within one chunk, so that the writer can give
    /// each frame its own TLS record: coturn's turnutils_uclient takes each TLS read as one message and silently loses
    /// a second frame in the same record (plain TCP clients read frames from the stream and may get them coalesced).
    /// </summary>
    private void Enqueue(ReadOnlySpan<byte> frames)
    {
        if (_tls is null && _ready)
        {
            _queue.Enqueue(frames);
            return;
        }
        while (!frames.IsEmpty)
        {
            int length = StreamFrames.Length(frames);
            length = length <= 0 || length > frames.Length ? frames.Length : length;
            _queue.Enqueue(frames[..length], inOneChunk: true);
            frames = frames[length..];
        }
    }

    /// <summary>Encrypts each frame into its own TLS record, captured (caller holds the lock); false when TLS failed.</summary>
    private bool Encrypt(ReadOnlySpan<byte> frames)
    {
        _capture!.Begin();
        try
        {
            while (!frames.IsEmpty)
            {
                int length = StreamFrames.Length(frames);
                length = length <= 0 || length > frames.Length ? frames.Length : length;
                _encrypt!.Write(frames[..length]);
                frames = frames[length..];
            }
            return true;
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            return false; // the owner closes the connection
        }
        finally
        {
            _capture.End();
        }
    }

    /// <summary>At attach, encrypts frames queued during the handshake (caller holds the lock); false when TLS failed.</summary>
    private bool EncryptQueued()
    {
        if (_queue.IsEmpty || _writing)
        {
            return true;
        }
        var cipher = new StreamSendQueue();
        while (!_queue.IsEmpty)
        {
            ReadOnlyMemory<byte> chunk = _queue.Peek(); // whole frames: queued one chunk each (see Enqueue)
            if (!Encrypt(chunk.Span))
            {
                cipher.Clear();
                return false;
            }
            cipher.Enqueue(_capture!.Captured);
            _queue.Advance(chunk.Length);
        }
        while (!cipher.IsEmpty)
        {
            ReadOnlyMemory<byte> chunk = cipher.Peek();
            _queue.Enqueue(chunk.Span);
            cipher.Advance(chunk.Length);
        }
        return true;
    }

    /// <summary>Bytes the socket took at once (0 when it would block), or -1 when it failed.</summary>
    private int TrySendNow(ReadOnlySpan<byte> frames)
    {
        try
        {
            int sent = _socket.Send(frames, SocketFlags.None, out SocketError error);
            return error switch
            {
                SocketError.Success => sent,
                SocketError.WouldBlock => 0,
                _ => -1,
            };
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
    }

    private static bool IsWriteFailure(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or NotSupportedException;

    private bool Satisfied(int bytes) => _closed || (bytes > 0 ? _queue.Length <= bytes : _queue.IsEmpty && !_writing);

    /// <summary>Completes the waiter when its condition holds (caller holds the lock).</summary>
    private void ReleaseWaiter()
    {
        if (_waiter is { } waiter && Satisfied(_waitFor))
        {
            _waiter = null;
            waiter.TrySetResult();
        }
    }
}
