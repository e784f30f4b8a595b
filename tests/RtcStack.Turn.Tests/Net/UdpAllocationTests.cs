using System.Net;
using System.Net.Sockets;
using RtcStack.Net;

namespace RtcStack.Turn.Tests.Net;

[CollectionDefinition(nameof(NetAllocationCollection), DisableParallelization = true)]
public sealed class NetAllocationCollection;

/// <summary>
/// Receive loop plus send path allocate nothing per datagram. Measured process-wide (the loop runs on
/// pool threads), alone (no parallel tests), after a warm-up; a per-packet allocation of even one
/// object (24 bytes or more) would exceed the bound.
/// </summary>
[Collection(nameof(NetAllocationCollection))]
public sealed class UdpAllocationTests
{
    private const int Packets = 4000;

    [Fact]
    public async Task Send_and_receive_allocate_nothing_per_datagram()
    {
        var recorder = new RecordingDatagramHandler { Keep = false };
        await using UdpEndpoint server = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), recorder);
        await using UdpEndpoint client = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), new RecordingDatagramHandler { Keep = false });
        server.Start();
        client.Start();
        byte[] payload = new byte[200];

        RoundTrips(client, server, recorder, payload, Packets); // warm-up: JIT, tiering, thread-local addresses
        long before = GC.GetTotalAllocatedBytes(precise: true);
        long errors = RoundTrips(client, server, recorder, payload, Packets);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(0, errors);
        Assert.True(allocated < Packets * 16, $"{allocated} bytes for {Packets} datagrams");
    }

    private static long RoundTrips(UdpEndpoint client, UdpEndpoint server, RecordingDatagramHandler recorder, byte[] payload, int count)
    {
        long errors = 0;
        for (int i = 0; i < count; i++)
        {
            long target = recorder.Count + 1;
            errors += client.Send(payload, server.LocalAddress) == SocketError.Success ? 0 : 1;
            var spin = new SpinWait();
            long deadline = Environment.TickCount64 + 10_000;
            while (recorder.Count < target && Environment.TickCount64 < deadline)
            {
                spin.SpinOnce();
            }
        }

        return errors;
    }
}
