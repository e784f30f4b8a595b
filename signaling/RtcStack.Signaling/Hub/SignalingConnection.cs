using System.Net;
using System.Net.WebSockets;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// One WebSocket: a bounded send queue (a reader that stays behind gets <c>slow-consumer</c> and close 4005) and
/// the state the receive loop needs. Sending is a pump started by the first frame while the socket is idle: it
/// sends on the caller's thread until a send does not complete at once, then drains the queue from the completion,
/// so a relayed frame needs no thread-pool hop. An idle connection holds no queue, task, timer or token source.
/// </summary>
internal sealed class SignalingConnection
{
    private readonly Lock _sync = new();
    private readonly int _maxQueued;
    private Queue<byte[]?>? _waiting; // frames behind the one being sent; null marks the close frame
    private int _queued; // frames queued or being sent (not the final frame and close marker)
    private bool _sending;
    private bool _closing;
    private bool _done; // the close frame was sent or sending failed: nothing more goes out
    private TaskCompletionSource? _doneSignal;
    private CancellationTokenSource? _closingSource; // made only when someone asks for Closing
    private int _closeCode;

    /// <summary>How long a closing socket may take to finish the close handshake before it is aborted.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public SignalingConnection(string id, WebSocket socket, IPAddress? remote, long openedAt, int maxQueued)
    {
        Id = id;
        Socket = socket;
        Remote = remote;
        OpenedAt = openedAt;
        LastReceived = openedAt;
        _maxQueued = maxQueued;
    }

    public string Id { get; }
    public WebSocket Socket { get; }
    public IPAddress? Remote { get; }
    public long OpenedAt { get; }

    /// <summary>Timestamp of the last frame received (heartbeat).</summary>
    public long LastReceived { get; set; }

    /// <summary>The session after <c>hello</c>.</summary>
    public Session? Session { get; set; }

    public bool IsClosing
    {
        get
        {
            lock (_sync)
            {
                return _closing;
            }
        }
    }

    public int CloseCode => _closeCode;

    /// <summary>
    /// Cancelled once the connection begins closing. Made on first use (a <c>hello</c> waiting for its peer's gate
    /// asks for it), so an idle connection still holds no token source.
    /// </summary>
    public CancellationToken Closing
    {
        get
        {
            lock (_sync)
            {
                return _closing ? new CancellationToken(canceled: true) : (_closingSource ??= new CancellationTokenSource()).Token;
            }
        }
    }

    /// <summary>Raised (once) when the queue overflowed; the hub sends nothing more and closes with 4005.</summary>
    public bool SlowConsumer { get; private set; }

    /// <summary>Completes when the close frame went out (after every queued frame) or sending failed.</summary>
    public Task SendCompletion
    {
        get
        {
            lock (_sync)
            {
                return _done ? Task.CompletedTask : (_doneSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    /// <summary>Queues a text frame. False when closing or when the queue overflowed (the socket is then closed with 4005).</summary>
    public bool TrySend(byte[] frame)
    {
        bool queued, start;
        byte[]? first;
        lock (_sync)
        {
            if (_closing)
            {
                return false;
            }
            if (_queued >= _maxQueued)
            {
                SlowConsumer = true;
                byte[] error = Protocol.FrameWriter.Write(Protocol.FrameWriter.Error(Protocol.ErrorCodes.SlowConsumer, "the send queue is full: read faster", null));
                start = BeginClose(Protocol.CloseCodes.SlowConsumer, error, dropQueued: true, out first);
                queued = false;
            }
            else
            {
                _queued++;
                start = Enqueue(frame, out first);
                queued = true;
            }
        }
        if (start)
        {
            _ = PumpAsync(first);
        }
        if (!queued)
        {
            CancelClosing();
        }
        return queued;
    }

    /// <summary>Sends <paramref name="finalFrame"/> (if any) after the queued frames, then the close frame.</summary>
    public void Close(int closeCode, byte[]? finalFrame = null)
    {
        bool start;
        byte[]? first;
        lock (_sync)
        {
            if (_closing)
            {
                return;
            }
            start = BeginClose(closeCode, finalFrame, dropQueued: false, out first);
        }
        if (start)
        {
            _ = PumpAsync(first);
        }
        CancelClosing();
    }

    /// <summary>Outside the lock (cancelling runs the waiters' callbacks): cancels <see cref="Closing"/> if it was asked for.</summary>
    private void CancelClosing()
    {
        CancellationTokenSource? source;
        lock (_sync)
        {
            source = _closingSource;
            _closingSource = null;
        }
        if (source is not null)
        {
            source.Cancel();
            source.Dispose();
        }
    }

    /// <summary>Under the lock: true (with the frame to send first) when the pump must be started.</summary>
    private bool Enqueue(byte[]? frame, out byte[]? first)
    {
        first = frame;
        if (_sending || _done)
        {
            if (!_done)
            {
                (_waiting ??= new Queue<byte[]?>()).Enqueue(frame);
            }
            return false;
        }
        _sending = true;
        return true;
    }

    private bool BeginClose(int closeCode, byte[]? finalFrame, bool dropQueued, out byte[]? first)
    {
        _closing = true;
        _closeCode = closeCode;
        if (dropQueued)
        {
            _waiting?.Clear();
        }
        _ = AbortAfterCloseTimeoutAsync();
        bool start = false;
        first = null;
        if (finalFrame is not null)
        {
            start = Enqueue(finalFrame, out first);
        }
        bool startMarker = Enqueue(null, out byte[]? marker);
        if (!start && startMarker)
        {
            first = marker;
            start = true;
        }
        return start;
    }

    /// <summary>A peer that does not finish the close handshake in time is cut off (ends the receive that waits for it).</summary>
    private async Task AbortAfterCloseTimeoutAsync()
    {
        await Task.Delay(CloseTimeout, CancellationToken.None).ConfigureAwait(false);
        if (Socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
        {
            Socket.Abort();
        }
    }

    /// <summary>Sends <paramref name="frame"/>, then whatever was queued meanwhile, until the queue is empty; never throws.</summary>
    private async Task PumpAsync(byte[]? frame)
    {
        try
        {
            while (true)
            {
                if (frame is null)
                {
                    if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await Socket.CloseOutputAsync((WebSocketCloseStatus)_closeCode, null, CancellationToken.None).ConfigureAwait(false);
                    }
                    Finish();
                    return;
                }
                await Socket.SendAsync(frame.AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
                lock (_sync)
                {
                    _queued = Math.Max(0, _queued - 1); // the final frame is not counted, and a slow consumer's count is moot
                    if (_waiting is null || !_waiting.TryDequeue(out frame))
                    {
                        _sending = false;
                        return;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nobody awaits the pump: whatever failed (usually the peer went away), the socket is finished.
            Socket.Abort();
            Finish();
        }
    }

    private void Finish()
    {
        TaskCompletionSource? signal;
        lock (_sync)
        {
            _done = true;
            _closing = true;
            _sending = false;
            _waiting = null;
            signal = _doneSignal;
        }
        signal?.TrySetResult();
        CancelClosing();
    }
}
