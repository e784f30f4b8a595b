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
/// Disposing it closes the listener and every connection. This file holds the shared state (the connection list, its
/// lock, the pacing) and the close; TcpRelay.Accept.cs the accept side, TcpRelay.Connect.cs the connect side.
/// </summary>
internal sealed partial class TcpRelay : IAsyncDisposable, ITcpRelayAcceptor
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
}
