using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The accept side of a TCP allocation's relay (RFC 6062 §5.3): the listening socket on the relay loop's epoll
/// (<see cref="TcpRelayAccept"/>) or an async accept loop, the retry after descriptor exhaustion, and the admission of
/// each peer (permission, room) announced with a ConnectionAttempt indication.
/// </summary>
internal sealed partial class TcpRelay
{
    private AcceptThrottle? _throttle;
    private int _retrying; // 1 while an accept retry after exhaustion runs
    private int _exhausted; // the errno of the last exhausted drain not yet retried, else 0

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
