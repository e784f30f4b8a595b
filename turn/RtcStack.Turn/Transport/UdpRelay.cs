using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The relay socket of one allocation and its receive loop. Datagrams from peers are received into one
/// pinned buffer at offset <see cref="Headroom"/>, leaving room to write a ChannelData header or a Data
/// indication in front without copying; the loop allocates nothing per datagram.
/// </summary>
internal sealed class UdpRelay : IAsyncDisposable
{
    /// <summary>Room before the payload: STUN header 20 + XOR-PEER-ADDRESS (IPv6) 24 + DATA header 4.</summary>
    internal const int Headroom = 48;

    /// <summary>Largest peer datagram relayed; larger ones are dropped and counted as malformed.</summary>
    internal const int MaxPayload = 4096;

    /// <summary>Room after the payload: padding 3 + FINGERPRINT 8, rounded.</summary>
    internal const int Tailroom = 16;

    private readonly Socket _socket;
    private readonly RelayPortPool _pool;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(Headroom + MaxPayload + Tailroom, pinned: true);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    internal UdpRelay(Socket socket, RelayPortPool pool)
    {
        _socket = socket;
        _pool = pool;
        var local = (IPEndPoint)socket.LocalEndPoint!;
        LocalAddress = TransportAddress.FromEndPoint(local);
    }

    /// <summary>The address and port the relay socket is bound to.</summary>
    internal TransportAddress LocalAddress { get; }

    internal Socket Socket => _socket;

    /// <summary>Starts receiving from peers for <paramref name="allocation"/>.</summary>
    internal void Start(Allocation allocation, PeerDataRelay relay, ILogger logger) =>
        _loop = Task.Run(() => ReceiveLoopAsync(allocation, relay, logger));

    /// <summary>Sends a datagram to a peer; never throws.</summary>
    internal void SendTo(ReadOnlySpan<byte> payload, SocketAddress peer)
    {
        try
        {
            _socket.SendTo(payload, SocketFlags.None, peer);
        }
        catch (SocketException)
        {
            // UDP may drop (full buffer, ICMP error): so do we.
        }
        catch (ObjectDisposedException)
        {
            // The allocation was closed concurrently.
        }
    }

    private async Task ReceiveLoopAsync(Allocation allocation, PeerDataRelay relay, ILogger logger)
    {
        SocketAddress from = SocketAddressReader.Create(_socket.AddressFamily);
        Memory<byte> window = _buffer.AsMemory(Headroom, MaxPayload);
        CancellationToken token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(window, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (token.IsCancellationRequested && ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset)
            {
                relay.Metrics.Malformed();
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                TurnLog.ReceiveLoopFailed(logger, ex, LocalAddress.ToString());
                return;
            }
            relay.OnPeerDatagram(allocation, _buffer, received, from);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected on shutdown.
        }
        _pool.Release(LocalAddress.Port);
        _stop.Dispose();
    }
}
