using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Tasks.Sources;

namespace RtcStack.Server.Engine;

/// <summary>
/// One <c>/ws</c> session on the epoll engine, as the <see cref="WebSocket"/> the hub runs (RFC 6455 server side).
/// The engine thread reads the socket and decodes frames (<see cref="OnReadable"/>); <see cref="ReceiveAsync(Memory{byte}, CancellationToken)"/>
/// completes synchronously when a message is buffered, otherwise the engine completes it: inline on its thread for a
/// relay frame when <see cref="EpollEngine.InlineRelay"/> (nothing there can block), on the thread pool for anything
/// else (hello, join, token checks, backplane calls). <see cref="SendAsync(ReadOnlyMemory{byte}, WebSocketMessageType, bool, CancellationToken)"/>
/// appends the frame to the out buffer and completes synchronously; the buffer is flushed with one send() at the end of
/// the engine's batch (or at once from another thread). Past <see cref="EpollEngine.SendHighWater"/> unsent bytes a send
/// waits until the kernel took them (EPOLLOUT), so the hub's bounded queue and its 4005 apply to slow readers.
/// </summary>
internal sealed class EpollWebSocket : WebSocket, IValueTaskSource<ValueWebSocketReceiveResult>, IValueTaskSource
{
    private readonly Lock _sync = new();
    private readonly EpollLoop _owner;
    private readonly Socket _socket;
    private readonly string? _subProtocol;
    private readonly Action? _onClosed;
    private readonly InboundQueue _in;
    private readonly OutboundBuffer _out = new();
    private readonly FrameDecoder _decoder;
    private ManualResetValueTaskSourceCore<ValueWebSocketReceiveResult> _receive;
    private ManualResetValueTaskSourceCore<bool> _sendWait;
    private Memory<byte> _receiveBuffer;
    private CancellationTokenRegistration _receiveCancel;
    private bool _receivePending;
    private bool _sendWaiting;
    private WebSocketState _state = WebSocketState.Open;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;
    private bool _sendInMessage;
    private bool _fdClosed;
    private bool _wantWrite;
    private bool _readPaused;
    private bool _flushNow;

    public EpollWebSocket(EpollLoop owner, Socket socket, int slot, string? subProtocol, Action? onClosed)
    {
        _owner = owner;
        _socket = socket;
        Fd = (int)socket.SafeHandle.DangerousGetHandle();
        Slot = slot;
        _subProtocol = subProtocol;
        _onClosed = onClosed;
        _in = new InboundQueue(owner.Engine.MaxMessageBytes + 1);
        _decoder = new FrameDecoder(this, _in);
        _receive.RunContinuationsAsynchronously = true;
        _sendWait.RunContinuationsAsynchronously = true;
    }

    public int Fd { get; }

    public int Slot { get; }

    /// <summary>In the current engine thread's flush list.</summary>
    internal bool FlushQueued { get; set; }

    public override WebSocketCloseStatus? CloseStatus => _closeStatus;

    public override string? CloseStatusDescription => _closeDescription;

    public override WebSocketState State => _state;

    public override string? SubProtocol => _subProtocol;

    /// <summary>
    /// Engine thread: reads until the socket would block (or the hub is far behind), then completes a waiting receive.
    /// Without <paramref name="drain"/> a read that did not fill the buffer ends it: the socket was empty then, and with
    /// edge-triggered epoll anything arriving later raises a new event (saves the failing recv() per message). After a
    /// hang-up event the socket is read to its end, since no further event will come.
    /// </summary>
    public void OnReadable(Span<byte> scratch, bool drain)
    {
        bool completeInline = false;
        lock (_sync)
        {
            if (_fdClosed)
            {
                return;
            }
            _readPaused = false;
            while (!_decoder.Finished)
            {
                if (_in.Buffered > _owner.Engine.ReceiveHighWater || _out.Pending > _owner.Engine.SendHighWater)
                {
                    // Resumed by the reader once it caught up (ReceiveAsync), or by Flush once the peer took our pongs:
                    // a client that floods pings and never reads cannot grow the out buffer past the high water.
                    _readPaused = true;
                    break;
                }
                int kept = _decoder.TakeLeftover(scratch);
                int n = EpollNative.Receive(Fd, scratch[kept..]);
                if (n == -1)
                {
                    _decoder.KeepLeftover(scratch[..kept]);
                    break;
                }
                if (n <= 0)
                {
                    _decoder.Fail(null); // end of stream or error without a close frame
                    break;
                }
                _decoder.Decode(scratch[..(kept + n)]);
                if (!drain && kept + n < scratch.Length)
                {
                    break;
                }
            }
            if (!_receivePending || !IsReceiveReady())
            {
                return;
            }
            completeInline = IsInlineRelay();
        }
        CompletePendingReceive(completeInline);
    }

    /// <summary>Engine thread: the kernel has room again.</summary>
    public void OnWritable() => Flush();

    /// <summary>Appends a control frame the engine answers by itself (pong, close); called under the lock by the decoder.</summary>
    internal void AppendControl(int opcode, ReadOnlySpan<byte> payload)
    {
        if (_state is WebSocketState.CloseSent or WebSocketState.Closed or WebSocketState.Aborted)
        {
            return;
        }
        Span<byte> frame = _out.GetSpan(2 + payload.Length);
        int n = WebSocketFrameWriter.WriteHeader(frame, opcode, fin: true, payload.Length);
        payload.CopyTo(frame[n..]);
        _out.Advance(n + payload.Length);
        QueueFlush();
    }

    /// <summary>The decoder saw a close frame (under the lock).</summary>
    internal void OnCloseFrame(WebSocketCloseStatus status, string? description)
    {
        _closeStatus ??= status;
        _closeDescription ??= description;
    }

    /// <summary>The decoder failed the connection (under the lock): answer a close with <paramref name="code"/>, if any.</summary>
    internal void OnProtocolError(int? code)
    {
        if (code is int c && _state == WebSocketState.Open)
        {
            Span<byte> payload = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)c);
            AppendControl(WebSocketFrameHeader.Close, payload);
            _state = WebSocketState.CloseSent;
        }
    }

    public override ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        bool resume;
        bool hop = false;
        ValueWebSocketReceiveResult result;
        lock (_sync)
        {
            if (_receivePending)
            {
                throw new InvalidOperationException("A receive is already pending.");
            }
            // On the engine thread (the hub's loop continued inline after a relay frame) only a relay may complete here:
            // anything else (hello, join, close) can block, so it completes on the thread pool.
            hop = EpollLoop.Current is not null && IsReceiveReady() && !IsInlineRelay();
            if (!IsReceiveReady() || hop)
            {
                if (_state is WebSocketState.Aborted or WebSocketState.Closed)
                {
                    throw new WebSocketException(WebSocketError.InvalidState, "The WebSocket is " + _state + ".");
                }
                _receivePending = true;
                _receiveBuffer = buffer;
                _receive.Reset();
                if (cancellationToken.CanBeCanceled)
                {
                    // As ManagedWebSocket: cancelling a receive aborts the socket (the hub never passes a token).
                    _receiveCancel = cancellationToken.UnsafeRegister(static s => ((EpollWebSocket)s!).Abort(), this);
                }
                if (hop)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static s => s.CompletePendingReceive(inline: false), this, preferLocal: false);
                }
                return new ValueTask<ValueWebSocketReceiveResult>(this, _receive.Version);
            }
            result = TakeResult(buffer.Span);
            resume = _readPaused && _in.Buffered <= _owner.Engine.ReceiveHighWater / 2;
        }
        if (resume)
        {
            _owner.Resume(this);
        }
        return new ValueTask<ValueWebSocketReceiveResult>(result);
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        ValueWebSocketReceiveResult r = await ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return r.MessageType == WebSocketMessageType.Close
            ? new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, _closeStatus, _closeDescription)
            : new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage);
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        bool wait;
        bool flushNow;
        lock (_sync)
        {
            if (_state is not (WebSocketState.Open or WebSocketState.CloseReceived) || messageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException(WebSocketError.InvalidState, "The WebSocket cannot send in state " + _state + ".");
            }
            int opcode = _sendInMessage ? WebSocketFrameHeader.Continuation
                : messageType == WebSocketMessageType.Text ? WebSocketFrameHeader.Text : WebSocketFrameHeader.Binary;
            _sendInMessage = !endOfMessage;
            Span<byte> frame = _out.GetSpan(WebSocketFrameWriter.MaxHeaderLength + buffer.Length);
            int n = WebSocketFrameWriter.WriteHeader(frame, opcode, endOfMessage, buffer.Length);
            buffer.Span.CopyTo(frame[n..]);
            _out.Advance(n + buffer.Length);
            wait = _out.Pending > _owner.Engine.SendHighWater && !_fdClosed;
            if (wait)
            {
                _sendWaiting = true;
                _sendWait.Reset();
            }
            QueueFlush();
            flushNow = TakeFlushNow();
        }
        if (flushNow)
        {
            Flush();
        }
        return wait ? new ValueTask(this, _sendWait.Version) : ValueTask.CompletedTask;
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        bool flushNow;
        lock (_sync)
        {
            if (_state is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                return Task.CompletedTask;
            }
            int length = 2 + (statusDescription is null ? 0 : Encoding.UTF8.GetByteCount(statusDescription));
            Span<byte> payload = stackalloc byte[Math.Min(length, 125)];
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)closeStatus);
            if (statusDescription is not null)
            {
                Encoding.UTF8.TryGetBytes(statusDescription.AsSpan(0, Math.Min(statusDescription.Length, 40)), payload[2..], out int written);
                payload = payload[..(2 + written)];
            }
            WebSocketState before = _state;
            AppendControl(WebSocketFrameHeader.Close, payload);
            _state = before == WebSocketState.CloseReceived ? WebSocketState.Closed : WebSocketState.CloseSent;
            flushNow = TakeFlushNow();
        }
        if (flushNow)
        {
            Flush();
        }
        return Task.CompletedTask;
    }

    public override async Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await CloseOutputAsync(closeStatus, statusDescription, cancellationToken).ConfigureAwait(false);
        while (_state == WebSocketState.CloseSent)
        {
            ValueWebSocketReceiveResult r = await ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            if (r.MessageType != WebSocketMessageType.Close)
            {
                await ReceiveAsync(new byte[r.Count == 0 ? 4096 : r.Count], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override void Abort() => Shut(aborted: true);

    public override void Dispose() => Shut(aborted: false);

    /// <summary>Engine thread (the only thread that closes descriptors): unregisters and closes the socket.</summary>
    internal void CloseSocket()
    {
        lock (_sync)
        {
            if (_fdClosed)
            {
                return;
            }
            _out.Flush(Fd); // best effort: the close frame usually
            _fdClosed = true;
            _out.Clear();
        }
        _owner.Unregister(this);
        Linger();
        _socket.Dispose();
        _onClosed?.Invoke();
    }

    /// <summary>
    /// Before the descriptor is closed (engine thread, must not block): FIN first, then the input the kernel holds is
    /// read away (bounded), since closing with unread input sends a RST that can overtake the close frame.
    /// </summary>
    private void Linger()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            return;
        }
        Span<byte> sink = stackalloc byte[4096];
        for (int i = 0; i < 64 && EpollNative.Receive(Fd, sink) > 0; i++)
        {
        }
    }

    /// <summary>Sends the out buffer now (any thread); registers EPOLLOUT when the kernel did not take it all.</summary>
    internal void Flush()
    {
        bool release = false;
        bool resume = false;
        lock (_sync)
        {
            FlushQueued = false;
            if (_fdClosed)
            {
                return;
            }
            _owner.Engine.Metrics.Sent();
            if (!_out.Flush(Fd))
            {
                _out.Clear();
                _decoder.Fail(null);
            }
            bool full = _out.Pending > 0;
            if (full != _wantWrite)
            {
                _wantWrite = full;
                _owner.WatchWritable(this, full);
            }
            if (_sendWaiting && (_out.Pending <= _owner.Engine.SendHighWater / 2 || _decoder.Finished))
            {
                _sendWaiting = false;
                release = true;
            }
            if (_readPaused && !_decoder.Finished && _out.Pending <= _owner.Engine.SendHighWater / 2 && _in.Buffered <= _owner.Engine.ReceiveHighWater)
            {
                _readPaused = false; // paused on the out buffer (a ping flood): the peer took it, read on
                resume = true;
            }
        }
        if (release)
        {
            _sendWait.SetResult(true);
        }
        if (resume)
        {
            _owner.Resume(this);
        }
    }

    /// <summary>
    /// Under the lock: on an engine thread the socket joins that thread's flush list (one send() after the batch);
    /// on any other thread the caller flushes right after it released the lock (<see cref="TakeFlushNow"/>).
    /// </summary>
    private void QueueFlush()
    {
        if (FlushQueued)
        {
            return;
        }
        FlushQueued = true;
        if (EpollLoop.Current is { } loop)
        {
            loop.QueueFlush(this);
        }
        else
        {
            _flushNow = true;
        }
    }

    private bool TakeFlushNow()
    {
        bool now = _flushNow;
        _flushNow = false;
        return now;
    }

    /// <summary>Under the lock: the next result is a relay frame that may complete on the engine thread.</summary>
    private bool IsInlineRelay() =>
        _state != WebSocketState.Aborted && _in.HasMessage && _owner.Engine.InlineRelay && RelayFrameDetector.IsRelay(_in.FirstOpcode, _in.FirstPayload);

    private bool IsReceiveReady() => _in.HasMessage || _closeStatus is not null || _decoder.Finished || _state == WebSocketState.Aborted;

    /// <summary>Under the lock, when <see cref="IsReceiveReady"/>: the next result, or throws when the connection failed.</summary>
    private ValueWebSocketReceiveResult TakeResult(Span<byte> destination)
    {
        if (_in.HasMessage && _state != WebSocketState.Aborted) // after Abort nothing buffered is handed out
        {
            bool end = _in.Read(destination, out int count, out int opcode);
            return new ValueWebSocketReceiveResult(count, opcode == WebSocketFrameHeader.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary, end);
        }
        if (_closeStatus is not null && _state != WebSocketState.Aborted)
        {
            _state = _state == WebSocketState.Open ? WebSocketState.CloseReceived : WebSocketState.Closed;
            return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
        }
        if (_state != WebSocketState.Closed)
        {
            _state = WebSocketState.Aborted;
        }
        throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, _decoder.Error ?? "The remote party closed the WebSocket connection without completing the close handshake.");
    }

    private void CompletePendingReceive(bool inline)
    {
        ValueWebSocketReceiveResult result;
        Exception? error = null;
        CancellationTokenRegistration cancel;
        lock (_sync)
        {
            if (!_receivePending)
            {
                return;
            }
            _receivePending = false;
            result = default;
            try
            {
                result = TakeResult(_receiveBuffer.Span);
            }
            catch (WebSocketException ex)
            {
                error = ex;
            }
            _receiveBuffer = default;
            cancel = _receiveCancel;
            _receiveCancel = default;
        }
        cancel.Dispose();
        _owner.Engine.Metrics.Received(inline);
        _receive.RunContinuationsAsynchronously = !inline;
        if (error is null)
        {
            _receive.SetResult(result);
        }
        else
        {
            _receive.SetException(error);
        }
    }

    private void Shut(bool aborted)
    {
        bool completeReceive;
        bool releaseSend;
        lock (_sync)
        {
            if (_state != WebSocketState.Closed || aborted)
            {
                _state = _state == WebSocketState.Closed ? WebSocketState.Closed : WebSocketState.Aborted;
            }
            completeReceive = _receivePending;
            releaseSend = _sendWaiting;
            _sendWaiting = false;
        }
        if (completeReceive)
        {
            CompletePendingReceive(inline: false);
        }
        if (releaseSend)
        {
            _sendWait.SetResult(true);
        }
        _owner.Close(this);
    }

    ValueWebSocketReceiveResult IValueTaskSource<ValueWebSocketReceiveResult>.GetResult(short token) => _receive.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ValueWebSocketReceiveResult>.GetStatus(short token) => _receive.GetStatus(token);

    void IValueTaskSource<ValueWebSocketReceiveResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _receive.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.GetResult(short token) => _sendWait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _sendWait.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _sendWait.OnCompleted(continuation, state, token, flags);
}
