using System.Net.Sockets;
using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// One RFC 6062 peer data connection: a TCP connection between the relayed address and a peer, made by Connect
/// (§5.2) or accepted on the relayed address (§5.3). It waits (pending) until a client data connection binds it
/// with ConnectionBind (§5.4); until then nothing is read from the peer, so its data waits in the kernel's receive
/// buffer and TCP flow control holds the peer back. Unbound after the bind timeout, it is closed. Bound, it relays
/// bytes as they are both ways: on Linux x64 with a plain TCP client data connection on the shared epoll thread of
/// <see cref="TcpRelayLoop"/>, otherwise (TLS, other systems) with one pooled buffer per direction, each read
/// awaited until written (backpressure) and, with a bandwidth cap (max-bps), paced per allocation and direction by
/// <see cref="StreamPacer"/> (the relay loop is not used then: it does not meter); an end of stream is passed on as
/// a half close, and any error closes both connections. The copying relay is in TcpPeerConnection.Copy.cs.
/// </summary>
internal sealed partial class TcpPeerConnection : ITcpRelayEnds
{
    /// <summary>Bytes read per direction at a time.</summary>
    internal const int BufferSize = 16 * 1024;

    private const int Pending = 0, Bound = 1, Closed = 2;

    private readonly Socket _socket;
    private readonly TcpRelay _owner;
    private int _state;
    private int _onLoop; // 1 while TcpRelayLoop holds both sockets' handles
    private int _disposed;
    private ITimer? _bindTimer;
    private StreamConnection? _client;

    internal TcpPeerConnection(Socket socket, TransportAddress peer, TcpRelay owner)
    {
        _socket = socket;
        _socket.NoDelay = true;
        Peer = peer;
        _owner = owner;
    }

    /// <summary>CONNECTION-ID, set when registered.</summary>
    internal uint Id { get; set; }

    internal TransportAddress Peer { get; }

    internal TcpRelay Owner => _owner;

    internal bool IsBound => Volatile.Read(ref _state) == Bound;

    public bool IsClosed => Volatile.Read(ref _state) == Closed;

    public void Relayed(int bytes, bool toPeer) => _owner.Relayed(bytes, toPeer);

    /// <summary>Closes the connection unless a ConnectionBind claims it within <paramref name="timeout"/>.</summary>
    internal void StartBindTimer(TimeProvider time, TimeSpan timeout)
    {
        _bindTimer = time.CreateTimer(_ =>
        {
            if (Volatile.Read(ref _state) == Pending)
            {
                _owner.Refused("unbound");
                Close("no ConnectionBind in time");
            }
        }, null, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Claims a pending connection for a ConnectionBind; false when it is bound already or closed.</summary>
    internal bool TryBind()
    {
        if (Interlocked.CompareExchange(ref _state, Bound, Pending) != Pending)
        {
            return false;
        }
        _bindTimer?.Dispose();
        return true;
    }

    /// <summary>
    /// Relays between the bound client data connection and the peer until both directions ended;
    /// <paramref name="early"/> holds client bytes that followed the ConnectionBind request in the same read.
    /// </summary>
    internal async Task RelayAsync(StreamConnection client, Stream clientStream, ReadOnlyMemory<byte> early)
    {
        if (!Attach(client))
        {
            return;
        }
        string reason = "closed";
        try
        {
            if (clientStream is NetworkStream plain && !_owner.IsPaced && TcpRelayLoop.Shared is { } loop)
            {
                if (!early.IsEmpty)
                {
                    await SendEarlyAsync(early).ConfigureAwait(false);
                    early = ReadOnlyMemory<byte>.Empty;
                }
                Volatile.Write(ref _onLoop, 1);
                if (loop.TryRelay(this, plain.Socket, _socket) is { } relayed)
                {
                    reason = await relayed.ConfigureAwait(false) ?? reason; // the loop has let go of both sockets
                    return;
                }
                Volatile.Write(ref _onLoop, 0);
            }
            await CopyBothWaysAsync(client, clientStream, early).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            reason = "peer connection failed";
        }
        finally
        {
            Volatile.Write(ref _onLoop, 0);
            Close(reason);
            DisposeSockets();
        }
    }

    /// <summary>
    /// The client data connection ended in the read that bound it (a bad TLS record behind its data): writes
    /// <paramref name="early"/>, the bytes it sent before that, to the peer, passes the end on and closes both.
    /// </summary>
    internal async Task RelayLastAsync(StreamConnection client, ReadOnlyMemory<byte> early)
    {
        if (!Attach(client))
        {
            return;
        }
        string reason = "client data connection failed";
        try
        {
            await SendEarlyAsync(early).ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send); // the end after the data
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            reason = "peer connection failed";
        }
        finally
        {
            Close(reason);
            DisposeSockets();
        }
    }

    /// <summary>Joins the bound client data connection; false (and the client closed) when this one closed meanwhile.</summary>
    private bool Attach(StreamConnection client)
    {
        Interlocked.Exchange(ref _client, client); // a full fence: Close either sees the client or we see Closed
        if (Volatile.Read(ref _state) != Closed)
        {
            return true;
        }
        client.Close();
        return false;
    }

    /// <summary>Writes the client bytes that followed the ConnectionBind to the peer, all of them (an async send).</summary>
    private async Task SendEarlyAsync(ReadOnlyMemory<byte> early)
    {
        await _socket.SendAsync(early).ConfigureAwait(false);
        _owner.Relayed(early.Length, toPeer: true);
    }

    /// <summary>
    /// Closes the peer connection and, when bound, the client data connection; idempotent. While the relay loop
    /// holds the sockets they are only shut down here (disposing them would spin until the loop lets go of their
    /// handles); the loop then ends the pair and <see cref="RelayAsync"/> disposes them.
    /// </summary>
    internal void Close(string reason)
    {
        if (Interlocked.Exchange(ref _state, Closed) == Closed)
        {
            return;
        }
        _bindTimer?.Dispose();
        if (Volatile.Read(ref _onLoop) == 1)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Both); // an event for the loop, which sees the pair closed
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // disposed meanwhile: the loop let go already
            }
        }
        else
        {
            DisposeSockets();
        }
        _owner.Removed(this, reason);
    }

    private void DisposeSockets()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
            Volatile.Read(ref _client)?.Close();
        }
    }
}
