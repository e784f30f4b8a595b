using System.Net;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// One WebSocket: a bounded send queue drained by one send loop (a reader that stays behind gets
/// <c>slow-consumer</c> and close 4005), and the state the receive loop needs.
/// </summary>
internal sealed class SignalingConnection
{
    private readonly Channel<byte[]?> _queue = Channel.CreateUnbounded<byte[]?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _sync = new();
    private readonly int _maxQueued;
    private int _queued;
    private bool _closing;
    private int _closeCode;
    private readonly CancellationTokenSource _receive = new();

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

    /// <summary>Cancelled <see cref="CloseTimeout"/> after a close began: ends a receive that waits for a peer that never answers.</summary>
    public CancellationToken ReceiveToken => _receive.Token;

    /// <summary>Releases the timer behind <see cref="ReceiveToken"/>.</summary>
    public void DisposeTimers() => _receive.Dispose();

    /// <summary>Raised (once) when the queue overflowed; the hub sends nothing more and closes with 4005.</summary>
    public bool SlowConsumer { get; private set; }

    /// <summary>Queues a text frame. False when closing or when the queue overflowed (the socket is then closed with 4005).</summary>
    public bool TrySend(byte[] frame)
    {
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
                BeginClose(Protocol.CloseCodes.SlowConsumer, error, dropQueued: true);
                return false;
            }
            _queued++;
            _queue.Writer.TryWrite(frame);
            return true;
        }
    }

    /// <summary>Sends <paramref name="finalFrame"/> (if any) after the queued frames, then the close frame.</summary>
    public void Close(int closeCode, byte[]? finalFrame = null)
    {
        lock (_sync)
        {
            if (!_closing)
            {
                BeginClose(closeCode, finalFrame, dropQueued: false);
            }
        }
    }

    private void BeginClose(int closeCode, byte[]? finalFrame, bool dropQueued)
    {
        _closing = true;
        _closeCode = closeCode;
        if (dropQueued)
        {
            while (_queue.Reader.TryRead(out _))
            {
            }
        }
        if (finalFrame is not null)
        {
            _queue.Writer.TryWrite(finalFrame);
        }
        _queue.Writer.TryWrite(null); // marks the close
        _queue.Writer.TryComplete();
        try
        {
            _receive.CancelAfter(CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The connection already ended.
        }
    }

    /// <summary>Drains the queue into the socket until the close marker; never throws.</summary>
    public async Task RunSendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (byte[]? frame in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (frame is null)
                {
                    if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await Socket.CloseOutputAsync((WebSocketCloseStatus)_closeCode, null, cancellationToken).ConfigureAwait(false);
                    }
                    return;
                }
                await Socket.SendAsync(frame, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
                lock (_sync)
                {
                    _queued--;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Socket.Abort();
        }
    }
}
