using System.Buffers.Binary;
using RtcStack.Dtls;
using RtcStack.Ice;
using RtcStack.Sdp;

namespace RtcStack.Sfu.Tests;

/// <summary>
/// SRTP that reaches the media port after the peer finished its DTLS handshake but before our keys are installed
/// (the test holds the key install back with <see cref="WebRtcServer.BeforeKeysInstalled"/>): kept, bounded,
/// processed in order once the keys exist, freed when the handshake fails or the transport closes.
/// </summary>
public sealed class EarlySrtpTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Srtp_sent_before_the_keys_are_installed_is_echoed_in_order()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        var (held, release) = Hold(host);
        await using var peer = new LoopbackPeer();
        Assert.Equal(DtlsHandshakeResult.Connected, await peer.ConnectAsync(await host.Echo.AnswerAsync(peer.Offer(), CancellationToken.None)));
        var transport = await held.WaitAsync(Long);
        for (ushort seq = 1000; seq < 1005; seq++)
        {
            peer.Send(peer.ProtectedRtp(seq, (byte)seq));
        }
        await WaitUntil(() => transport.EarlyPackets.Queued == 5, "early packets not kept; " + meters);
        Assert.Equal(0, transport.EarlyPackets.Refused);
        Assert.False(peer.Rtp.TryTake(out _, 0));

        release.SetResult();
        for (ushort seq = 1000; seq < 1005; seq++)
        {
            Assert.True(peer.Rtp.TryTake(out var echoed, 30_000), $"no echo of {seq}; " + meters);
            Assert.Equal(seq, BinaryPrimitives.ReadUInt16BigEndian(echoed.AsSpan(2)));
            Assert.Equal(peer.AnswerSsrc(0), BinaryPrimitives.ReadUInt32BigEndian(echoed.AsSpan(8)));
            Assert.All(echoed[12..112], b => Assert.Equal((byte)seq, b));
        }
        Assert.False(transport.EarlyPackets.HoldsBuffer);
        Assert.Equal(0, transport.EarlyPackets.Count);

        // Then the ordinary path, and an early packet replayed later is still a replay (RFC 3711 §3.3.2).
        peer.Send(peer.ProtectedRtp(1002, 0));
        peer.Send(peer.ProtectedRtp(1005, 0x55));
        Assert.True(peer.Rtp.TryTake(out var next, 30_000), "no echo after the early ones; " + meters);
        Assert.Equal(1005, BinaryPrimitives.ReadUInt16BigEndian(next.AsSpan(2)));
        Assert.False(peer.Rtp.TryTake(out _, 300));
    }

    [Fact]
    public async Task Early_srtp_beyond_the_bound_is_dropped_and_counted()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        var (held, release) = Hold(host);
        await using var peer = new LoopbackPeer();
        Assert.Equal(DtlsHandshakeResult.Connected, await peer.ConnectAsync(await host.Echo.AnswerAsync(peer.Offer(), CancellationToken.None)));
        var transport = await held.WaitAsync(Long);
        const int sent = EarlySrtpQueue.MaxPackets + 4;
        for (var i = 0; i < sent; i++)
        {
            peer.Send(peer.ProtectedRtp((ushort)(2000 + i), 0x33));
        }
        await WaitUntil(() => transport.EarlyPackets.Queued + transport.EarlyPackets.Refused == sent, "early packets not seen; " + meters);
        Assert.Equal(EarlySrtpQueue.MaxPackets, transport.EarlyPackets.Queued);
        Assert.Equal(4, transport.EarlyPackets.Refused);
        Assert.True(meters.Get("rtcstack.sfu.packets.dropped reason=no_keys") >= 4, meters.ToString());

        release.SetResult();
        for (var i = 0; i < EarlySrtpQueue.MaxPackets; i++)
        {
            Assert.True(peer.Rtp.TryTake(out var echoed, 30_000), $"no echo of early packet {i}; " + meters);
            Assert.Equal(2000 + i, BinaryPrimitives.ReadUInt16BigEndian(echoed.AsSpan(2)));
        }
        Assert.False(peer.Rtp.TryTake(out _, 300), "a refused early packet was echoed");
        Assert.False(transport.EarlyPackets.HoldsBuffer);
    }

    [Fact]
    public async Task A_failed_handshake_frees_the_early_packets()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        await using var transport = host.Media.CreateTransport();
        // The fingerprint we expect is not the peer's: the handshake fails when its certificate arrives.
        transport.Connect(new FingerprintAttribute("sha-256", DtlsCertificate.Generate().Sha256Fingerprint), DtlsRole.Server, null);
        await using var peer = new LoopbackPeer();
        peer.Attach(host.Media.LocalEndPoint, transport.IceCredentials.Ufrag, transport.IceCredentials.Pwd, host.Media.Fingerprint);
        await WaitUntil(() => transport.IceState is IceState.Connected or IceState.Completed, "ICE not connected");
        // RTP-looking datagrams (RFC 7983 first byte 128..191) before any DTLS: kept, since the handshake runs.
        for (var i = 0; i < 3; i++)
        {
            var fake = new byte[300];
            fake[0] = 0x80;
            fake[1] = 96;
            fake[3] = (byte)i;
            peer.Send(fake);
        }
        await WaitUntil(() => transport.EarlyPackets.Queued == 3, "early packets not kept; " + meters);
        Assert.True(transport.EarlyPackets.HoldsBuffer);

        Assert.NotEqual(DtlsHandshakeResult.Connected, await peer.HandshakeAsync());
        Assert.NotEqual(DtlsHandshakeResult.Connected, await transport.Connected.WaitAsync(Long));
        Assert.False(transport.EarlyPackets.HoldsBuffer);
        Assert.Equal(0, transport.EarlyPackets.Count);
        Assert.True(meters.Get("rtcstack.sfu.packets.dropped reason=early_discarded") >= 3, meters.ToString());
    }

    [Fact]
    public async Task Closing_before_the_keys_frees_the_early_packets_and_the_keys_are_not_installed()
    {
        await using var host = await EchoHost.StartAsync();
        var (held, release) = Hold(host);
        await using var peer = new LoopbackPeer();
        Assert.Equal(DtlsHandshakeResult.Connected, await peer.ConnectAsync(await host.Echo.AnswerAsync(peer.Offer(), CancellationToken.None)));
        var transport = await held.WaitAsync(Long);
        peer.Send(peer.ProtectedRtp(3000, 1));
        peer.Send(peer.ProtectedRtp(3001, 2));
        await WaitUntil(() => transport.EarlyPackets.Queued == 2, "early packets not kept");

        await transport.DisposeAsync();
        Assert.False(transport.EarlyPackets.HoldsBuffer);
        release.SetResult();
        Assert.Equal(DtlsHandshakeResult.Cancelled, await transport.Connected.WaitAsync(Long));
        Assert.False(transport.SendRtp(new byte[200], 112), "keys were installed on a closed transport");
        Assert.False(peer.Rtp.TryTake(out _, 300));
    }

    [Fact]
    public void The_queue_bounds_bytes_and_packets_and_allocates_nothing_per_packet()
    {
        var queue = new EarlySrtpQueue();
        var big = new byte[3000];
        Assert.True(queue.TryAdd(false, big)); // rents the one buffer
        var before = GC.GetAllocatedBytesForCurrentThread();
        var kept = 1;
        while (queue.TryAdd(kept % 2 == 0, big))
        {
            kept++;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(EarlySrtpQueue.MaxBytes / big.Length, kept);
        // The bytes left still take a datagram that fits them, then the packet bound holds.
        Assert.True(queue.TryAdd(false, new byte[EarlySrtpQueue.MaxBytes - (kept * big.Length)]));
        kept++;
        while (kept < EarlySrtpQueue.MaxPackets)
        {
            Assert.True(queue.TryAdd(false, ReadOnlySpan<byte>.Empty));
            kept++;
        }
        Assert.False(queue.TryAdd(false, ReadOnlySpan<byte>.Empty));
        Assert.Equal(EarlySrtpQueue.MaxPackets, queue.Count);
        Assert.Equal(big.Length, queue.Get(1, out var rtcp).Length);
        Assert.False(rtcp);
        Assert.True(queue.Get(2, out rtcp).Length == big.Length && rtcp);

        Assert.Equal(EarlySrtpQueue.MaxPackets, queue.Clear());
        Assert.False(queue.HoldsBuffer);
        Assert.Equal(0, queue.Count);
        Assert.True(queue.TryAdd(true, new byte[10]));
        Assert.Equal(1, queue.Clear());
    }

    /// <summary>Holds every transport's key install until the returned source is completed.</summary>
    private static (Task<WebRtcTransport> Held, TaskCompletionSource Release) Hold(EchoHost host)
    {
        var held = new TaskCompletionSource<WebRtcTransport>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Media.BeforeKeysInstalled = t =>
        {
            held.TrySetResult(t);
            return release.Task;
        };
        return (held.Task, release);
    }

    private static async Task WaitUntil(Func<bool> condition, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(condition(), message);
    }
}
