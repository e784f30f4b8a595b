using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Handlers;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>
/// A <see cref="UdpRelay"/> on a loopback socket, attached to an allocation, with the relay poller's receive and send
/// batches (32 datagrams each): <see cref="Drain"/> runs one poller drain on the calling thread (Linux x64 only).
/// </summary>
internal sealed class RelayDrainRig : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly DatagramBatch _batch = new(32, UdpRelay.Headroom + UdpRelay.MaxPayload + UdpRelay.Tailroom, UdpRelay.Headroom, UdpRelay.MaxPayload);
    private readonly SendBatch _sends = new(32);
    private readonly SocketAddress _from = SocketAddressReader.Create(AddressFamily.InterNetwork);
    private readonly UdpRelay _relay;

    public RelayDrainRig(Allocation allocation, PeerDataRelay peerRelay)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _relay = new UdpRelay(_socket, new RelayPortPool(IPAddress.Loopback, 50000, 50001));
        _relay.Attach(allocation, peerRelay);
    }

    /// <summary>Where peers send: the relay socket's address.</summary>
    public EndPoint Target => _socket.LocalEndPoint!;

    /// <summary>Receives what is queued on the relay socket and relays it to the client (one drain of the poller).</summary>
    public void Drain() => _relay.Drain(_batch, _sends, _from);

    public async ValueTask DisposeAsync()
    {
        await _relay.DisposeAsync();
        _sends.Dispose();
        _batch.Dispose();
        _socket.Dispose();
    }
}
