using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The relay of one RFC 6062 TCP allocation: a listening socket on the relayed transport address that accepts peer
/// connections (§5.3, only from peers with a permission; each announced to the client with a ConnectionAttempt
/// indication), outgoing connections for Connect (§5.2, from the same address and port), and the peer data
/// connections in between (at most <see cref="TurnOptions.MaxTcpConnectionsPerAllocation"/>). On Linux x64 peers are
/// accepted on <see cref="TcpRelayLoop"/>'s epoll (<see cref="TcpRelayAccept"/>), elsewhere by an async accept loop.
/// Disposing it closes the listener and every connection.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable, ITcpRelayAcceptor
{
    private readonly Socket _listener;
    private readonly RelayPortPool _pool;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<TcpPeerConnection> _connections = [];
    private readonly HashSet<TransportAddress> _connecting = [];
    private Task _accept = Task.CompletedTask;
    private TcpRelayAccept? _onLoop;
    private TcpRelayLoop? _acceptLoop;
    private AcceptThrottle? _throttle;
    private int _retrying; // 1 while an accept retry after exhaustion runs
    private int _exhausted; // the errno of the last exhausted drain not yet retried, else 0
    private bool _stopping; // under _lock: set once by the first DisposeAsync
    private bool _listenerRef; // the listener's handle is referenced while registered on the loop
    private TurnState? _state;
    private Allocation? _allocation;
    private StreamPacer? _toPeerPace, _toClientPace;

    internal TcpRelay(Socket listener, RelayPortPool pool)
    {
        _listener = listener;
        _pool = pool;
        LocalAddress = TransportAddress.FromEndPoint((IPEndPoint)listener.LocalEndPoint!);
    }

    /// <summary>The address and port the listening socket is bound to.</summary>
    internal TransportAddress LocalAddress { get; }

    internal Allocation Allocation => _allocation!;

    /// <summary>Whether the listener was registered on <see cref="TcpRelayLoop"/>'s epoll (else peers are accepted by the async accept loop).</summary>
    internal bool AcceptsOnLoop
    {
        get
        {
            lock (_lock)
            {
                return _onLoop is not null;
            }
        }
    }

    /// <summary>Starts accepting peer connections for <paramref name="allocation"/>.</summary>
    internal void Start(Allocation allocation, TurnState state)
    {
        _allocation = allocation;
        _state = state;
        if (state.Options.MaxBytesPerSecond > 0)
        {
            _toPeerPace = new StreamPacer(state.Options.MaxBytesPerSecond, state.Time);
            _toClientPace = new StreamPacer(state.Options.MaxBytesPerSecond, state.Time);
        }
        if (TcpRelayLoop.Shared is { } loop && TryListenOnLoop(loop))
        {
            return;
        }
        _accept = Task.Run(AcceptLoopAsync);
    }

    /// <summary>
    /// Registers the listening socket on the relay loop's epoll (§5.3 accepts without .NET's socket engine); true
    /// also when the relay was disposed first (an allocation closed before it started: nothing to accept). Under
    /// the lock <see cref="DisposeAsync"/> takes first, so it either finds the registration to undo or none is
    /// made, and the listener's handle stays referenced while registered (its descriptor number is never reused
    /// under the loop).
    /// </summary>
    private bool TryListenOnLoop(TcpRelayLoop loop)
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return true;
            }
            try
            {
                _listener.SafeHandle.DangerousAddRef(ref _listenerRef);
                _listener.Blocking = false;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                ReleaseListener();
                return false;
            }
            var accept = new TcpRelayAccept((int)_listener.SafeHandle.DangerousGetHandle(), this, _state!.Options.MaxTcpConnectionsPerAllocation);
            _onLoop = accept; // before registering: a peer may be accepted at once
            _acceptLoop = loop;
            if (loop.TryListen(accept))
            {
                return true;
            }
            _onLoop = null;
            _acceptLoop = null;
            ReleaseListener();
            _listener.Blocking = true;
            return false;
        }
    }

    /// <summary>Lets go of the listener's handle (caller holds the lock, or is the only disposer).</summary>
    private void ReleaseListener()
    {
        if (_listenerRef)
        {
            _listenerRef = false;
            _listener.SafeHandle.DangerousRelease();
        }
    }

    /// <summary>Reserves a Connect to <paramref name="peer"/> (§5.2): 446 when one is in progress or open, 508 when full.</summary>
    internal ConnectStart TryBeginConnect(TransportAddress peer)
    {
        lock (_lock)
        {
            if (_connecting.Contains(peer) || _connections.Exists(c => c.Peer == peer))
            {
                return ConnectStart.AlreadyExists;
            }
            if (_connections.Count + _connecting.Count >= _state!.Options.MaxTcpConnectionsPerAllocation)
            {
                return ConnectStart.Full;
            }
            _connecting.Add(peer);
            return ConnectStart.Started;
        }
    }

    /// <summary>
    /// Connects from the relayed address to a reserved peer; null on failure or timeout (447). On Linux x64 the
    /// handshake is awaited on <see cref="TcpRelayLoop"/>'s epoll (the socket never joins .NET's socket engine),
    /// elsewhere with <see cref="Socket.ConnectAsync(EndPoint, CancellationToken)"/>.
    /// </summary>
    internal async Task<TcpPeerConnection?> ConnectAsync(TransportAddress peer)
    {
        TurnState state = _state!;
        Socket? socket = null;
        string? failure = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(state.Options.TcpConnectTimeout);
            if (TcpRelayLoop.Shared is { } loop)
            {
                socket = await ConnectOnLoopAsync(loop, peer, timeout.Token).ConfigureAwait(false);
                failure = socket is null ? (_stop.IsCancellationRequested ? "closed" : timeout.IsCancellationRequested ? "timeout" : "failed") : null;
            }
            else
            {
                socket = new Socket(LocalAddress.SocketAddressFamily, SocketType.Stream, ProtocolType.Tcp);
                BindToRelayedAddress(socket);
                await socket.ConnectAsync(peer.ToEndPoint(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            failure = _stop.IsCancellationRequested ? "closed" : "timeout";
        }
        catch (Exception)
        {
            failure = "failed"; // any failure, expected (socket error, closed meanwhile) or not, is a 447 and frees the reservation
        }
        lock (_lock)
        {
            _connecting.Remove(peer);
            if (failure is null && socket is not null && !_stopping)
            {
                if (TryAdd(socket, peer, "connect") is { } added)
                {
                    return added;
                }
                failure = "failed";
            }
        }
        socket?.Dispose();
        Refused(failure ?? "closed");
        TurnLog.TcpConnectionRefused(state.Logger, peer, LocalAddress, failure ?? "allocation closed");
        return null;
    }

    /// <summary>The connected socket, or null when the handshake failed or <paramref name="token"/> aborted it.</summary>
    private async Task<Socket?> ConnectOnLoopAsync(TcpRelayLoop loop, TransportAddress peer, CancellationToken token)
    {
        if (loop.TryConnect(LocalAddress, peer) is not { } connect)
        {
            return null;
        }
        int fd;
        using (token.Register(static c => ((TcpRelayConnect)c!).Abort(), connect))
        {
            fd = await connect.Result.ConfigureAwait(false);
        }
        return fd < 0 ? null : Wrap(fd);
    }

    /// <summary>A socket owning the connected descriptor <paramref name="fd"/>; the descriptor is closed if that fails.</summary>
    private static Socket Wrap(int fd)
    {
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        try
        {
            return new Socket(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    internal void Relayed(int bytes, bool toPeer) => _state!.Metrics.TcpRelayed(bytes, toPeer);

    /// <summary>Whether the bandwidth cap (max-bps) applies: then data connections relay by copying, paced, never by splice.</summary>
    internal bool IsPaced => _toPeerPace is not null;

    /// <summary>Waits until <paramref name="bytes"/> just relayed fit the allocation's cap in that direction (shared by its data connections).</summary>
    internal Task PaceAsync(int bytes, bool toPeer) =>
        (toPeer ? _toPeerPace : _toClientPace)?.PaceAsync(bytes) ?? Task.CompletedTask;

    internal void Refused(string reason) => _state!.Metrics.TcpRefused(reason);

    /// <summary>Called once by a connection that closed.</summary>
    internal void Removed(TcpPeerConnection connection, string reason)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }
        _state!.TcpConnections.Remove(connection.Id, connection);
        _state.Metrics.TcpClosed();
        TurnLog.TcpConnectionClosed(_state.Logger, connection.Id, connection.Peer, reason);
    }

    /// <summary>Closes the listener and every connection and gives the port back; idempotent (the first call does it).</summary>
    public async ValueTask DisposeAsync()
    {
        TcpRelayAccept? accept;
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true; // no registration, connection or accept is added after this
            accept = _onLoop;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (accept is not null)
        {
            _acceptLoop!.Unlisten(accept); // no accept4 on the descriptor after this
            lock (_lock)
            {
                ReleaseListener();
            }
        }
        _listener.Dispose();
        await _accept.ConfigureAwait(false);
        TcpPeerConnection[] open;
        lock (_lock)
        {
            open = [.. _connections];
        }
        foreach (TcpPeerConnection c in open)
        {
            c.Close("allocation closed");
        }
        _pool.Release(LocalAddress.Port);
    }

    /// <summary>
    /// Adds a connected peer socket (caller holds the lock): registered, bind timer started, counted. Null when that
    /// fails: then nothing of it is left registered or listed (a later Connect to the peer is not 446), and the caller
    /// disposes the socket.
    /// </summary>
    private TcpPeerConnection? TryAdd(Socket socket, TransportAddress peer, string how)
    {
        TurnState state = _state!;
        TcpPeerConnection? connection = null;
        try
        {
            connection = new TcpPeerConnection(socket, peer, this);
            connection.Id = state.TcpConnections.Register(connection);
            _connections.Add(connection);
            connection.StartBindTimer(state.Time, state.Options.TcpBindTimeout);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (connection is not null)
            {
                _connections.Remove(connection);
                state.TcpConnections.Remove(connection.Id, connection);
            }
            TurnLog.TcpConnectionRefused(state.Logger, peer, LocalAddress, "failed: " + ex.Message);
            return null;
        }
        state.Metrics.TcpOpened(how);
        TurnLog.TcpConnectionOpened(state.Logger, connection.Id, peer, _allocation!.Info.RelayedAddress, how);
        return connection;
    }

    /// <summary>§5.2: the connection to the peer comes from the relayed transport address (its port too when the OS allows).</summary>
    private void BindToRelayedAddress(Socket socket)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(LocalAddress.ToEndPoint());
        }
        catch (SocketException)
        {
            socket.Bind(new IPEndPoint(LocalAddress.ToIPAddress(), 0));
        }
    }

    private async Task AcceptLoopAsync()
    {
        CancellationToken token = _stop.Token;
        var throttle = new AcceptThrottle(_state!.Logger, LocalAddress.ToString());
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(token).ConfigureAwait(false);
                throttle.OnSuccess();
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A peer that reset before accept: accept again at once. Out of descriptors: wait (AcceptThrottle).
                try
                {
                    await throttle.AfterFailureAsync(ex, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            try
            {
                Accept(socket, TransportAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!).Normalize());
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                socket.Dispose(); // the peer went away while it was being accepted
            }
        }
    }

    /// <summary>A peer accepted on the relay loop (thread pool): wrapped in a socket and taken as §5.3 says, or closed.</summary>
    public void Accepted(int fd, TransportAddress peer)
    {
        Socket socket;
        try
        {
            socket = Wrap(fd);
        }
        catch (Exception)
        {
            return; // Wrap closed the descriptor
        }
        try
        {
            Accept(socket, peer);
        }
        catch (Exception)
        {
            socket.Dispose(); // the peer went away while it was being accepted (nothing escapes a thread-pool item)
        }
    }

    /// <summary>Out of descriptors or memory on the loop: wait as <see cref="AcceptThrottle"/> says, then accept again (one retry at a time).</summary>
    public void AcceptExhausted(int errno)
    {
        Volatile.Write(ref _exhausted, errno);
        if (Interlocked.CompareExchange(ref _retrying, 1, 0) == 0)
        {
            _ = RetryAcceptAsync();
        }
    }

    private async Task RetryAcceptAsync()
    {
        _throttle ??= new AcceptThrottle(_state!.Logger, LocalAddress.ToString());
        try
        {
            while (true)
            {
                int errno = Interlocked.Exchange(ref _exhausted, 0);
                while (errno != 0)
                {
                    await _throttle.AfterFailureAsync(TcpRelayAccept.ToException(errno), _stop.Token).ConfigureAwait(false);
                    errno = _onLoop!.Drain(out bool more);
                    if (errno == 0 && more)
                    {
                        _onLoop.DrainLater();
                    }
                }
                _throttle.OnSuccess();
                Volatile.Write(ref _retrying, 0);
                // an exhaustion reported while this one was finishing was not retried: take it over
                if (Volatile.Read(ref _exhausted) == 0 || Interlocked.CompareExchange(ref _retrying, 1, 0) != 0)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Volatile.Write(ref _retrying, 0); // allocation closed
        }
    }

    /// <summary>§5.3: a peer connected to the relayed address; keep it only with a permission and room, then tell the client.</summary>
    private void Accept(Socket socket, TransportAddress peer)
    {
        TurnState state = _state!;
        Allocation allocation = _allocation!;
        string? refusal = null;
        TcpPeerConnection? connection = null;
        lock (_lock)
        {
            if (_stopping)
            {
                refusal = "closed"; // disposal took its list of connections already, or is about to
            }
            else if (!allocation.HasPermission(peer, state.Time.GetTimestamp()))
            {
                refusal = "no_permission";
            }
            else if (_connections.Count + _connecting.Count >= state.Options.MaxTcpConnectionsPerAllocation)
            {
                refusal = "full";
            }
            else
            {
                connection = TryAdd(socket, peer, "accept");
                refusal = connection is null ? "failed" : null;
            }
        }
        if (connection is null)
        {
            socket.Dispose();
            Refused(refusal!);
            TurnLog.TcpConnectionRefused(state.Logger, peer, allocation.Info.RelayedAddress, refusal!);
            return;
        }
        try
        {
            SendConnectionAttempt(state, allocation, connection);
        }
        catch (Exception)
        {
            connection.Close("ConnectionAttempt failed"); // listed and counted: closed, unlisted and uncounted as any other
        }
    }

    private static void SendConnectionAttempt(TurnState state, Allocation allocation, TcpPeerConnection connection)
    {
        Span<byte> buffer = stackalloc byte[256];
        StunMessageWriter writer = state.Responder.Begin(buffer,
            new StunMessageType(StunMethod.ConnectionAttempt, StunClass.Indication), TransactionId.NewRandom());
        writer.AddXorPeerAddress(connection.Peer);
        writer.AddConnectionId(connection.Id);
        if (state.Responder.Finish(ref writer, signer: null, requestHadFingerprint: false, out int length))
        {
            allocation.Client.Send(buffer[..length]);
        }
    }
}

/// <summary>What <see cref="TcpRelay.TryBeginConnect"/> decided.</summary>
internal enum ConnectStart
{
    Started,
    AlreadyExists,
    Full,
}
