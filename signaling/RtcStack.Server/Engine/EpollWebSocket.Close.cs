using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace RtcStack.Server.Engine;

/// <summary>The close side of an <see cref="EpollWebSocket"/>: the close handshake, abort, and closing the descriptor (with linger).</summary>
internal sealed partial class EpollWebSocket
{
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

    /// <summary>
    /// The longest a closed socket keeps its descriptor to send what was queued before the close (as long as the hub
    /// waits for a close handshake, <c>SignalingConnection.CloseTimeout</c>); then it is aborted.
    /// </summary>
    internal static readonly TimeSpan CloseFlushTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Engine thread (the only thread that closes descriptors): unregisters and closes the socket. After
    /// <see cref="Dispose"/> with frames still queued (an error and the close frame to a peer whose receive window is
    /// full) the descriptor stays open until <see cref="Flush"/> sent them, or <see cref="CloseFlushTimeout"/> passed
    /// (then <see cref="Abort"/> closes it); after <see cref="Abort"/> it closes at once.
    /// </summary>
    internal void CloseSocket()
    {
        lock (_sync)
        {
            if (_fdClosed)
            {
                return;
            }
            if (!_out.Flush(Fd))
            {
                _out.Clear();
            }
            if (_out.Pending > 0 && !_abortRequested)
            {
                LingerQueued();
                return;
            }
            _fdClosed = true;
            _out.Clear();
            // A normal flush-close: the timeout no longer keeps this socket (and its buffers) alive.
            _lingerTimer?.Dispose();
            _lingerTimer = null;
        }
        _owner.Unregister(this);
        Linger();
        _socket.Dispose();
        _onClosed?.Invoke();
    }

    /// <summary>Under the lock: the first close with frames queued waits for EPOLLOUT, bounded by <see cref="CloseFlushTimeout"/>.</summary>
    private void LingerQueued()
    {
        if (_lingering)
        {
            return;
        }
        _lingering = true;
        if (!_wantWrite)
        {
            _wantWrite = true;
            _owner.WatchWritable(this, true);
        }
        _owner.Engine.Metrics.Lingered(aborted: false);
        _lingerTimer = new Timer(static s => ((EpollWebSocket)s!).LingerTimedOut(), this, CloseFlushTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The close timeout passed with frames still queued (the client did not read): cut off.</summary>
    private void LingerTimedOut()
    {
        lock (_sync)
        {
            if (_fdClosed)
            {
                return;
            }
        }
        _owner.Engine.Metrics.Lingered(aborted: true);
        Abort();
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
}
