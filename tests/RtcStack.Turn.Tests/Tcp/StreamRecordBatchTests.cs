using System.Net.Security;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A TLS client that writes one ChannelData frame per record (as browsers and coturn's clients do): the records that one
/// wake-up of the poller thread reads are decrypted one after the other and their frames go to the peer in one sendmmsg
/// (before, each record's frames were flushed alone: one system call per frame; now at most 32 records wait for
/// processing); every frame arrives, in order, whole,
/// with its padding removed, also right before a close_notify. Plain TCP for comparison. A server whose poller has no
/// thread of its own is driven on the test's thread (<see cref="StreamPoller.PollOnce"/>), so the bytes the client
/// wrote are all in the socket before the poll that reads them. Real sockets on 127.0.0.1.
/// </summary>
public sealed class StreamRecordBatchTests : IAsyncLifetime
{
    private ManualPollRig? _rig;

    public async Task InitializeAsync() => _rig = await ManualPollRig.CreateAsync("rtcstack-turn-recordbatch");

    public async Task DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(true, 24)]
    [InlineData(true, 80)] // processed 32 records at a time: still a few sendmmsg, every frame in order
    [InlineData(false, 24)]
    public async Task Frames_of_many_records_read_in_one_wake_up_leave_in_one_send_call(bool tls, int count)
    {
        if (_rig is null)
        {
            return;
        }
        StreamTurnClient client = await _rig.ConnectWhilePumpingAsync(tls);
        await using (client)
        {
            byte[][] payloads = Payloads(count);
            foreach (byte[] payload in payloads)
            {
                client.Stream.Write(StreamTurnClient.ChannelData(payload)); // one record each
            }
            client.Stream.Flush();
            SendBatch sends = _rig.Scratch.Ingress.PeerSends!;
            long before = sends.DatagramFlushes;
            List<byte[]> received = _rig.ReceiveWhilePolling(payloads.Length);
            long flushes = sends.DatagramFlushes - before;

            Assert.Equal(payloads, received);
            Assert.True(flushes <= 2 + (count / 32), $"{flushes} sendmmsg flushes for {count} frames"); // one per frame before
        }
    }

    [Fact]
    public async Task Frames_in_the_records_before_a_close_notify_are_all_relayed()
    {
        if (_rig is null)
        {
            return;
        }
        StreamTurnClient client = await _rig.ConnectWhilePumpingAsync(tls: true);
        await using (client)
        {
            byte[][] payloads = Payloads(5);
            foreach (byte[] payload in payloads)
            {
                client.Stream.Write(StreamTurnClient.ChannelData(payload));
            }
            await ((SslStream)client.Stream).ShutdownAsync(); // close_notify right behind them: one wake-up reads all

            Assert.Equal(payloads, _rig.ReceiveWhilePolling(payloads.Length));
            Assert.True(_rig.PollUntilNoAllocation(), "the allocation outlived the connection's close_notify");
        }
    }

    /// <summary>Payloads of odd and even lengths (so ChannelData carry 0-3 bytes of padding), each starting with its index.</summary>
    private static byte[][] Payloads(int count)
    {
        var payloads = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            payloads[i] = new byte[37 + (i * 13 % 700)];
            Random.Shared.NextBytes(payloads[i]);
            payloads[i][0] = (byte)i;
        }
        return payloads;
    }
}
