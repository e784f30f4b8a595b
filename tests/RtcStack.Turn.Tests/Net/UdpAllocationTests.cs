using System.Net;
using System.Net.Sockets;
using RtcStack.Net;

namespace RtcStack.Turn.Tests.Net;

[CollectionDefinition(nameof(NetAllocationCollection), DisableParallelization = true)]
public sealed class NetAllocationCollection;

/// <summary>
/// Receive loop plus send path allocate nothing per datagram. Measured process-wide (the loop runs on
/// pool threads), alone (no parallel tests), after a warm-up. Background tier-1 JIT compilation
/// allocates for a while after start, so the best of several rounds counts: a per-packet allocation
/// of even one object (24 bytes or more) would exceed the bound in every round.
/// </summary>
[Collection(nameof(NetAllocationCollection))]
public sealed class UdpAllocationTests
{
    private const int Packets = 2000;
    private const int Rounds = 8;

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
        long best = long.MaxValue;
        long errors = 0;
        for (int round = 0; round < Rounds && best >= Packets * 12; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            errors += RoundTrips(client, server, recorder, payload, Packets);
            best = Math.Min(best, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        Assert.Equal(0, errors);
        Assert.True(best < Packets * 12, $"{best} bytes for {Packets} datagrams");
    }

    [Fact]
    public async Task Dedicated_thread_loop_allocates_nothing_per_datagram_measured_on_its_thread()
    {
        // Several windows after the warm-up: a late tier-up or OSR transition can allocate a few bytes once on
        // this thread, but a per-datagram allocation would show in every window.
        const int Warmup = 3000;
        const int Windows = 4;
        var probe = new ThreadAllocationProbe(Warmup, Packets, Windows);
        await using UdpEndpoint server = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), probe, new UdpEndpointOptions { ReceiveOnDedicatedThread = true });
        await using UdpEndpoint client = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), new RecordingDatagramHandler { Keep = false });
        server.Start();
        byte[] payload = new byte[200];
        int total = Warmup + (Packets * Windows);
        for (int i = 0; i < total; i++)
        {
            long target = probe.Count + 1;
            client.Send(payload, server.LocalAddress);
            var spin = new SpinWait();
            long deadline = Environment.TickCount64 + 10_000;
            while (probe.Count < target && Environment.TickCount64 < deadline)
            {
                spin.SpinOnce();
            }
        }

        Assert.Equal(total, probe.Count);
        Assert.True(probe.BestWindow == 0, $"fewest bytes allocated in a window of {Packets} datagrams: {probe.BestWindow} (windows: {string.Join(", ", probe.WindowBytes)})");
        await server.DisposeAsync();
        await server.Completion.WaitAsync(TimeSpan.FromSeconds(30)); // the blocking receive is interrupted by dispose
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

/// <summary>Samples the receive thread's allocation counter at the edges of consecutive windows of datagrams.</summary>
internal sealed class ThreadAllocationProbe(long warmup, long window, int windows) : IDatagramHandler
{
    private readonly long[] _marks = new long[windows + 1];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public IEnumerable<long> WindowBytes => Enumerable.Range(0, windows).Select(i => _marks[i + 1] - _marks[i]);

    public long BestWindow => WindowBytes.Min();

    public PacketDisposition OnDatagram(UdpEndpoint endpoint, ReadOnlySpan<byte> datagram, in RtcStack.Stun.TransportAddress source)
    {
        long n = _count + 1;
        long offset = n - warmup;
        if (offset >= 0 && offset % window == 0 && offset / window <= windows)
        {
            _marks[offset / window] = GC.GetAllocatedBytesForCurrentThread();
        }

        Interlocked.Exchange(ref _count, n);
        return PacketDisposition.Handled;
    }
}
