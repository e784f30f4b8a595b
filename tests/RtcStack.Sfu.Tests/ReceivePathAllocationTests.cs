using RtcStack.Ice;

namespace RtcStack.Sfu.Tests;

/// <summary>The connected receive path (receive gate, SRTP, handler, drop counting) allocates nothing per packet.</summary>
[Collection(nameof(ReceivePathAllocationTests))]
public sealed class ReceivePathAllocationTests
{
    [Fact]
    public async Task Decrypting_replays_and_drops_after_close_allocate_nothing()
    {
        await using var rig = await DualPathRig.StartAsync();
        var transport = rig.Transport;
        var handled = 0;
        transport.RtpReceived = (_, _, _) => handled++;
        transport.RtcpReceived = (_, _, _) => handled++;
        var packets = Enumerable.Range(0, 130).Select(i => rig.Peer.ProtectedRtp((ushort)i, (byte)i)).ToArray();
        var rtcp = Enumerable.Range(0, 20).Select(_ => rig.Peer.ProtectedRtcp()).ToArray();
        var tampered = rig.Peer.ProtectedRtp(500, 5);
        tampered[30] ^= 1;
        var work = new byte[1500];
        void Deliver(MediaPacketKind kind, byte[] packet)
        {
            packet.CopyTo(work, 0);
            transport.OnPacket(kind, work.AsSpan(0, packet.Length));
        }
        Deliver(MediaPacketKind.Rtp, packets[0]); // warm-up: the first packet creates the SSRC's stream
        Deliver(MediaPacketKind.Rtcp, rtcp[0]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < packets.Length; i++)
        {
            Deliver(MediaPacketKind.Rtp, packets[i]);
            Deliver(MediaPacketKind.Rtp, packets[i]); // its replay
        }
        for (var i = 1; i < rtcp.Length; i++)
        {
            Deliver(MediaPacketKind.Rtcp, rtcp[i]);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        // Not measured: a forged packet under AES-GCM costs .NET's AuthenticationTagMismatchException (see README).
        Deliver(MediaPacketKind.Rtp, tampered);
        Assert.Equal(packets.Length + rtcp.Length, handled);
        Assert.Equal(packets.Length - 1, rig.Counters.Replayed);
        Assert.Equal(1, rig.Counters.AuthFailed);

        await transport.DisposeAsync();
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            Deliver(MediaPacketKind.Rtp, packets[i]);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(rig.Counters.DroppedClosed >= 50, rig.Describe()); // (+ the peer's close_notify answering ours)
    }

    [Fact]
    public async Task Sending_over_ice_tcp_allocates_nothing()
    {
        await using var rig = await DualPathRig.StartAsync();
        var transport = rig.Transport;
        var ice = transport.IceCredentials;
        Assert.True(rig.Tcp.Send(rig.Peer.Check(ice.Ufrag, ice.Pwd, useCandidate: true))); // select the ICE-TCP pair
        Assert.True(rig.Tcp.Stun.TryTake(out _, 30_000), "no STUN response over ICE-TCP");
        var packet = new byte[1500];
        packet[0] = 0x80;
        packet[1] = 96;
        packet[11] = 7;
        Assert.True(transport.SendRtp(packet, 112)); // warm-up: the first packet creates the SSRC's outbound stream
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < 100; i++)
        {
            packet[3] = (byte)i; // the sequence number
            Assert.True(transport.SendRtp(packet, 112)); // 100 small frames: the kernel takes each at once
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
