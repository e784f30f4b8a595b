using System.Buffers.Binary;
using RtcStack.Dtls;
using RtcStack.Ice;
using RtcStack.Srtp;

namespace RtcStack.Sfu.Tests;

/// <summary>
/// One transport hearing its peer over UDP and ICE-TCP at once (two receive threads): every packet is decrypted
/// once, its copy on the other path is a replay, the handlers never run concurrently, and nothing is thrown.
/// </summary>
public sealed class ConcurrentReceiveTests
{
    private const int Batch = 64; // below the 128-packet replay window, so a copy is never "too old" before its twin
    private const int Batches = 32;
    private const int RtcpEvery = 8;

    [Fact]
    public async Task Packets_over_udp_and_ice_tcp_at_once_are_each_handled_once_and_one_at_a_time()
    {
        await using var rig = await DualPathRig.StartAsync();
        var transport = rig.Transport;
        var seen = new int[Batch * Batches];
        int inside = 0, overlaps = 0, corrupt = 0, rtcp = 0;
        transport.RtpReceived = (_, buffer, length) =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }
            var seq = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            if (length != 112 || seq >= seen.Length || buffer[12] != (byte)seq || buffer[111] != (byte)seq)
            {
                Interlocked.Increment(ref corrupt);
            }
            else
            {
                Interlocked.Increment(ref seen[seq]);
            }
            Thread.SpinWait(100); // widen the window in which a second thread would overlap
            Interlocked.Decrement(ref inside);
        };
        transport.RtcpReceived = (_, buffer, length) =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }
            if (length != 8 || buffer[1] != 201)
            {
                Interlocked.Increment(ref corrupt);
            }
            Interlocked.Increment(ref rtcp);
            Interlocked.Decrement(ref inside);
        };

        var sent = 0;
        for (var b = 0; b < Batches; b++)
        {
            var packets = new List<byte[]>();
            for (var i = 0; i < Batch; i++)
            {
                var seq = (ushort)((b * Batch) + i);
                packets.Add(rig.Peer.ProtectedRtp(seq, (byte)seq));
                if (seq % RtcpEvery == 0)
                {
                    packets.Add(rig.Peer.ProtectedRtcp());
                }
            }
            // The same datagrams on both paths, from two threads, so the server's two loops race for each.
            var udp = Task.Run(() => packets.ForEach(p => rig.Peer.Send(p)));
            var tcp = Task.Run(() => packets.ForEach(p => Assert.True(rig.Tcp.Send(p))));
            await Task.WhenAll(udp, tcp);
            sent += packets.Count;
            var c = rig.Counters;
            await DualPathRig.WaitUntil(() => c.Received + c.Replayed + c.AuthFailed + c.Dropped >= 2 * sent, () => $"after batch {b}, sent {sent} twice: " + rig.Describe());
        }

        var unique = Batch * Batches * (1 + (1.0 / RtcpEvery));
        Assert.Equal(sent, (int)unique);
        Assert.Equal(sent, rig.Counters.Received);
        Assert.Equal(sent, rig.Counters.Replayed);
        Assert.Equal(0, rig.Counters.AuthFailed + rig.Counters.Dropped + rig.Counters.DroppedClosed);
        Assert.Equal(0, overlaps);
        Assert.Equal(0, corrupt);
        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.Equal(Batch * Batches / RtcpEvery, rtcp);
        Assert.Empty(rig.Errors.Entries);
    }

    [Fact]
    public async Task Dispose_during_a_stream_on_both_paths_throws_nowhere_and_frees_everything()
    {
        await using var rig = await DualPathRig.StartAsync();
        var transport = rig.Transport;
        int handled = 0, afterDispose = 0, disposed = 0;
        transport.RtpReceived = (t, buffer, length) =>
        {
            if (Volatile.Read(ref disposed) != 0)
            {
                Interlocked.Increment(ref afterDispose);
            }
            Interlocked.Increment(ref handled);
            t.SendRtp(buffer, length); // the send path races the close too
        };
        using var stop = new CancellationTokenSource();
        var sentAfterDispose = 0;
        var stream = Task.Run(async () =>
        {
            for (ushort seq = 0; !stop.IsCancellationRequested; seq++)
            {
                var packet = rig.Peer.ProtectedRtp(seq, (byte)seq);
                rig.Peer.Send(packet);
                rig.Tcp.Send(packet);
                if (Volatile.Read(ref disposed) != 0)
                {
                    sentAfterDispose++;
                }
                if (seq % 16 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });
        var rtcpSender = Task.Run(() =>
        {
            // A timer-like sender (the echo's PLIs): sends before, during and after the close, never throws.
            var rr = new byte[64];
            rr[0] = 0x80;
            rr[1] = 201;
            rr[3] = 1;
            while (!stop.IsCancellationRequested)
            {
                transport.SendRtcp(rr, 8);
                Thread.Yield();
            }
        });

        await DualPathRig.WaitUntil(() => Volatile.Read(ref handled) >= 300, rig.Describe);
        await transport.DisposeAsync();
        Volatile.Write(ref disposed, 1);
        await DualPathRig.WaitUntil(() => Volatile.Read(ref sentAfterDispose) >= 200, rig.Describe);
        await stop.CancelAsync();
        await Task.WhenAll(stream, rtcpSender);

        Assert.Equal(0, afterDispose);
        Assert.Equal(handled, rig.Counters.Received);
        Assert.Empty(rig.Errors.Entries);
        Assert.Equal(IceState.Closed, transport.IceState);
        Assert.Equal(DtlsState.Closed, transport.DtlsState);
        Assert.False(transport.EarlyPackets.HoldsBuffer);
        Assert.Equal(SrtpResult.Disposed, transport.Keys!.ProtectRtp(PlainRtp(), 112, out _));
        Assert.False(transport.SendRtp(PlainRtp(), 112));
    }

    [Fact]
    public async Task Dispose_waits_for_a_running_handler_then_later_packets_are_dropped_and_counted()
    {
        await using var rig = await DualPathRig.StartAsync();
        var transport = rig.Transport;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var calls = 0;
        var keysAlive = false;
        transport.RtpReceived = (t, buffer, length) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                entered.TrySetResult();
                Assert.True(release.Wait(TimeSpan.FromSeconds(60)));
                // DisposeAsync has begun (SendRtp now refuses) but waits for us: the keys are still alive.
                keysAlive = t.Keys!.ProtectRtp(PlainRtp(), 112, out _) == SrtpResult.Ok;
            }
        };
        var closing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.BeforeCloseReceive = _ => closing.TrySetResult();

        Task dispose;
        var second = Task.CompletedTask;
        try
        {
            rig.Peer.Send(rig.Peer.ProtectedRtp(1, 1));
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
            dispose = Task.Run(async () => await transport.DisposeAsync());
            await closing.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // Another receive thread (DisposeAsync closed the ICE-TCP connections before the gate, so a direct call
            // stands in for one): it waits on the gate too, and is handled before the close or dropped after it.
            var packet = rig.Peer.ProtectedRtp(2, 2);
            second = Task.Run(() => transport.OnPacket(MediaPacketKind.Rtp, packet));

            // The handler still runs on the UDP loop and holds the gate: nothing may be freed yet.
            Assert.False(dispose.IsCompleted);
            Assert.Equal(DtlsState.Connected, transport.DtlsState);
            Assert.NotEqual(IceState.Closed, transport.IceState);
        }
        finally
        {
            release.Set();
        }
        await dispose.WaitAsync(TimeSpan.FromSeconds(60));
        await second.WaitAsync(TimeSpan.FromSeconds(60));
        var callsWhenDisposed = Volatile.Read(ref calls);
        Assert.True(keysAlive, "the keys were freed under a running handler");
        Assert.Equal(SrtpResult.Disposed, transport.Keys!.ProtectRtp(PlainRtp(), 112, out _));

        // Whatever a receive loop still delivers is dropped and counted, never handled, never thrown.
        var before = rig.Counters.DroppedClosed;
        var rtp = rig.Peer.ProtectedRtp(3, 3);
        transport.OnPacket(MediaPacketKind.Rtp, rtp);
        transport.OnPacket(MediaPacketKind.Rtcp, rig.Peer.ProtectedRtcp());
        transport.OnPacket(MediaPacketKind.Dtls, new byte[] { 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1, 0 });
        Assert.True(rig.Counters.DroppedClosed >= before + 3, rig.Describe()); // (the peer may answer our close_notify too)
        Assert.InRange(callsWhenDisposed, 1, 2);
        Assert.Equal(callsWhenDisposed, calls);
        Assert.Equal(calls, rig.Counters.Received);
        Assert.False(transport.SendRtp(rtp, 112));
        Assert.Empty(rig.Errors.Entries);
    }

    /// <summary>An RTP packet (version 2, PT 96) with room for any SRTP tag.</summary>
    private static byte[] PlainRtp()
    {
        var buffer = new byte[200];
        buffer[0] = 0x80;
        buffer[1] = 96;
        return buffer;
    }
}
