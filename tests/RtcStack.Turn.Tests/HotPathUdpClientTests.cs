using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>
/// The relay poller's path to a UDP client on real sockets (Linux x64): peer datagrams are drained with recvmmsg,
/// framed in place and leave for the client in one sendmmsg, equal-sized runs as UDP GSO messages; the client gets
/// each frame as its own datagram, and none of it allocates.
/// </summary>
public sealed class HotPathUdpClientTests : IAsyncLifetime
{
    private readonly TestHarness _h = new();
    private readonly Socket _peer = LoopbackUdp.Bound(1024 * 1024);
    private readonly Socket _client = LoopbackUdp.Bound(1024 * 1024);
    private readonly Socket _listener = LoopbackUdp.Bound(1024 * 1024);
    private Allocation _allocation = null!;

    public Task InitializeAsync()
    {
        var c = new TestClient();
        FiveTuple tuple = _h.Tuple(40001);
        c.Challenge(_h, tuple);
        // The allocation's client is a real UDP socket, answered through a UdpListenerEndpoint as on the server.
        var endpoint = new UdpListenerEndpoint(_listener, _client.LocalEndPoint!.Serialize());
        _h.Send(c.Build(StunMethod.Allocate, TestClient.RequestUdp), tuple, endpoint);
        byte[] answer = new byte[1024];
        Assert.Equal(0, Answer.ErrorCode(answer[.._client.Receive(answer)]));
        Assert.True(_h.State.Allocations.TryGet(tuple, out _allocation));
        Assert.Equal(0, Answer.ErrorCode(_h.Send(c.Build(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddChannelNumber(0x4000);
            w.AddXorPeerAddress(TransportAddress.FromEndPoint((IPEndPoint)_peer.LocalEndPoint!));
        }), tuple)));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _peer.Dispose();
        _client.Dispose();
        _listener.Dispose();
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task Peer_datagrams_reach_a_udp_client_one_by_one_without_allocating()
    {
        if (!LinuxNative.IsSupported)
        {
            return; // the poller path exists on Linux x64 only
        }
        await using var relay = new RelayDrainRig(_allocation, _h.State.PeerRelay);
        byte[] payload = new byte[100];
        byte[] got = new byte[2048];
        EndPoint target = relay.Target;
        // Bytes allocated per group of 5 rounds after 5 warm-up rounds; the least must be 0. A late tier-1 JIT promotion
        // may allocate once (a loaded CI machine), while a per-datagram allocation shows in every group.
        long[] allocated = new long[7];
        for (int round = 0; round < 40; round++)
        {
            for (int i = 0; i < 10; i++)
            {
                payload[0] = (byte)i;
                _peer.SendTo(payload, target); // loopback: queued on the relay socket before SendTo returns
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            relay.Drain();
            if (round >= 5)
            {
                allocated[(round - 5) / 5] += GC.GetAllocatedBytesForCurrentThread() - before;
            }
            for (int i = 0; i < 10; i++)
            {
                // ChannelData 0x4000, length 100, then the peer's payload: one datagram per frame, in order.
                Assert.Equal(104, _client.Receive(got));
                Assert.Equal([0x40, 0x00, 0x00, 100, (byte)i], got[..5]);
            }
            Assert.Equal(0, _client.Available);
        }
        Assert.Equal(0, allocated.Min());
    }
}
