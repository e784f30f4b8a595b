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
internal sealed partial class EpollWebSocket : WebSocket, IValueTaskSource<ValueWebSocketReceiveResult>, IValueTaskSource
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
    private bool _abortRequested; // Abort(): the descriptor closes at once, dropping what is queued
    private bool _lingering;      // closed with frames queued: the descriptor closes once they went out (see CloseSocket)
    private Timer? _lingerTimer;  // while lingering: cuts the socket off after CloseFlushTimeout
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
            if (_lingering)
            {
                // Closed already: nobody reads what arrives now; discard it (bounded) rather than buffer it.
                for (int i = 0; i < 64 && EpollNative.Receive(Fd, scratch) > 0; i++)
                {
                }
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
            _abortRequested |= aborted;
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
}
