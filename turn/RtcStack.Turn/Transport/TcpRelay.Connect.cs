using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>The connect side of a TCP allocation's relay (RFC 6062 §5.2): reserving a peer, then connecting to it from the relayed address.</summary>
internal sealed partial class TcpRelay
{
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
}
