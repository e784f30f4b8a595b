using System.Buffers.Binary;
using RtcStack.Dtls;
using RtcStack.Ice;

namespace RtcStack.Sfu.Tests;

/// <summary>Early SRTP (before the keys) arriving on both paths keeps its order through the hand-over.</summary>
public sealed class DualPathEarlySrtpTests
{
    private const int Early = 8;
    private const int Racing = 4;

    [Fact]
    public async Task Early_srtp_from_udp_and_ice_tcp_is_handled_first_in_arrival_order_then_the_rest_once_each()
    {
        await using var rig = await DualPathRig.StartAsync(holdKeys: true);
        var transport = rig.Transport;
        var order = new List<int>();
        var inside = 0;
        var overlaps = 0;
        transport.RtpReceived = (_, buffer, _) =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }
            lock (order)
            {
                order.Add(BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]));
            }
            Interlocked.Decrement(ref inside);
        };
        // Alternating paths, each kept before the next is sent: the arrival order at the transport is 0..7.
        for (var seq = 0; seq < Early; seq++)
        {
            var packet = rig.Peer.ProtectedRtp((ushort)seq, (byte)seq);
            if (seq % 2 == 0)
            {
                rig.Peer.Send(packet);
            }
            else
            {
                Assert.True(rig.Tcp.Send(packet));
            }
            var queued = seq + 1;
            await DualPathRig.WaitUntil(() => transport.EarlyPackets.Queued == queued, rig.Describe);
        }

        // Release the keys while later packets race in on both loops (kept behind the early ones, or waiting).
        var racing = Enumerable.Range(Early, Racing).Select(s => rig.Peer.ProtectedRtp((ushort)s, (byte)s)).ToList();
        rig.ReleaseKeys.SetResult();
        var udp = Task.Run(() => racing.ForEach(p => rig.Peer.Send(p)));
        var tcp = Task.Run(() => racing.ForEach(p => Assert.True(rig.Tcp.Send(p))));
        await Task.WhenAll(udp, tcp);
        Assert.Equal(DtlsHandshakeResult.Connected, await transport.Connected.WaitAsync(TimeSpan.FromSeconds(60)));
        var c = rig.Counters;
        await DualPathRig.WaitUntil(() => c.Received + c.Replayed + c.Dropped >= Early + (2 * Racing), rig.Describe);

        int[] handled;
        lock (order)
        {
            handled = [.. order];
        }
        Assert.Equal(Enumerable.Range(0, Early), handled.Take(Early));
        Assert.Equal(Enumerable.Range(Early, Racing), handled.Skip(Early).Order());
        Assert.Equal(Early + Racing, c.Received);
        Assert.Equal(Racing, c.Replayed);
        Assert.Equal(0, c.Dropped + c.AuthFailed);
        Assert.Equal(0, overlaps);
        Assert.False(transport.EarlyPackets.HoldsBuffer);
        Assert.Empty(rig.Errors.Entries);
    }

    [Fact]
    public async Task A_handler_of_an_early_packet_may_close_the_transport_and_its_buffer_stays_valid_until_it_returns()
    {
        await using var rig = await DualPathRig.StartAsync(holdKeys: true);
        var transport = rig.Transport;
        var calls = 0;
        var heldAfterClose = false;
        var intactAfterClose = false;
        var handlerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.RtpReceived = (t, buffer, length) =>
        {
            calls++;
            var copy = buffer[..length].ToArray();
            _ = t.DisposeAsync(); // runs its synchronous part here, re-entering the receive gate
            heldAfterClose = t.EarlyPackets.HoldsBuffer;
            intactAfterClose = buffer[..length].SequenceEqual(copy);
            handlerDone.TrySetResult(); // (Connected completes inside DisposeAsync, before this line)
        };
        for (var seq = 0; seq < 3; seq++)
        {
            rig.Peer.Send(rig.Peer.ProtectedRtp((ushort)seq, (byte)seq));
            var queued = seq + 1;
            await DualPathRig.WaitUntil(() => transport.EarlyPackets.Queued == queued, rig.Describe);
        }
        rig.ReleaseKeys.SetResult();
        await handlerDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(DtlsHandshakeResult.Cancelled, await transport.Connected.WaitAsync(TimeSpan.FromSeconds(60)));
        await DualPathRig.WaitUntil(() => !transport.EarlyPackets.HoldsBuffer, rig.Describe); // InstallKeys' finally

        Assert.Equal(1, calls);
        Assert.True(heldAfterClose, "the early buffer went back to the pool under a running handler");
        Assert.True(intactAfterClose);
        Assert.False(transport.EarlyPackets.HoldsBuffer);
        // The two early packets after it (and perhaps the peer's close_notify, if it beat the ICE close).
        Assert.InRange(rig.Counters.DroppedClosed, 2, 3);
        Assert.Equal(IceState.Closed, transport.IceState);
        Assert.Empty(rig.Errors.Entries);
    }
}
