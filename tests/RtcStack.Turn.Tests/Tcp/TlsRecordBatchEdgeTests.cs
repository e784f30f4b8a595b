namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// The edges of a TLS client's record batch on the poller thread (see <see cref="StreamRecordBatchTests"/>): frames far
/// larger than a record, so that a wake-up starts with a big partial frame and the plaintext buffer fills before its
/// records are all decrypted (processed in the middle of the batch); a frame whose processing fails in the middle of a
/// batch (the frames before it leave once, never twice, and the connection closes); a bad record after good ones.
/// Real sockets on 127.0.0.1, the poller driven on the test's thread.
/// </summary>
public sealed class TlsRecordBatchEdgeTests : IAsyncLifetime
{
    private ManualPollRig? _rig;

    public async Task InitializeAsync() => _rig = await ManualPollRig.CreateAsync("rtcstack-turn-recordedge");

    public async Task DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }
    }

    [Fact]
    public async Task Frames_larger_than_a_record_fill_the_plaintext_buffer_and_all_arrive_whole_in_order()
    {
        if (_rig is null)
        {
            return;
        }
        await using StreamTurnClient client = await _rig.ConnectWhilePumpingAsync(tls: true);
        // 60,000-byte frames span four 16 KiB records: a wake-up (64 KiB of ciphertext) often starts behind a partial
        // frame of tens of KiB, so the ~100 KiB plaintext buffer runs short of a record's room mid-batch.
        int[] sizes = [60_000, 101, 50_003, 37, 60_000, 59_998, 4_000, 60_000, 1, 45_000, 60_000, 60_000];
        byte[][] payloads = Payloads(sizes);
        byte[] all = [.. payloads.SelectMany(p => StreamTurnClient.ChannelData(p))];
        await client.Stream.WriteAsync(all); // one write: SslStream cuts it into full records, frames across their edges
        await client.Stream.FlushAsync();

        List<byte[]> received = _rig.ReceiveWhilePolling(payloads.Length);
        Assert.Equal(payloads.Length, received.Count);
        for (int i = 0; i < payloads.Length; i++)
        {
            Assert.True(payloads[i].AsSpan().SequenceEqual(received[i]), $"frame {i} ({sizes[i]} bytes) differs");
        }
    }

    [Fact]
    public async Task A_frame_that_fails_mid_batch_closes_the_connection_and_the_frames_before_it_leave_once()
    {
        if (_rig is null)
        {
            return;
        }
        await using StreamTurnClient client = await _rig.ConnectWhilePumpingAsync(tls: true);
        byte[][] payloads = Payloads([.. Enumerable.Range(0, 40).Select(i => 37 + (i * 13 % 700))]);
        foreach (byte[] payload in payloads)
        {
            client.Stream.Write(StreamTurnClient.ChannelData(payload)); // one record each: the first 32 are processed mid-batch
        }
        client.Stream.Flush();

        _rig.Time.Arm(10); // the 10th clock read on this thread (in the processing of an early frame) throws
        Assert.True(_rig.PollUntilNoAllocation(), "the connection outlived the failure");
        List<byte[]> received = _rig.PeerDatagrams();

        Assert.True(_rig.Time.Fired, "the failure was not reached");
        Assert.InRange(received.Count, 1, 31); // some frames before the failure, all within the first 32 records
        for (int i = 0; i < received.Count; i++)
        {
            Assert.True(payloads[i].AsSpan().SequenceEqual(received[i]), $"datagram {i} is not frame {i} (a frame relayed twice?)");
        }
    }

    [Fact]
    public async Task A_bad_record_after_good_ones_relays_each_frame_before_it_once_then_closes()
    {
        if (_rig is null)
        {
            return;
        }
        await using StreamTurnClient client = await _rig.ConnectWhilePumpingAsync(tls: true);
        byte[][] payloads = Payloads([.. Enumerable.Range(0, 40).Select(i => 37 + (i * 13 % 700))]);
        foreach (byte[] payload in payloads)
        {
            client.Stream.Write(StreamTurnClient.ChannelData(payload));
        }
        client.Stream.Flush();
        byte[] bad = new byte[5 + 64];
        Random.Shared.NextBytes(bad);
        bad[0] = 0x17; // application data, TLS 1.2 on the wire, 64 bytes that do not decrypt
        bad[1] = 3;
        bad[2] = 3;
        bad[3] = 0;
        bad[4] = 64;
        client.Raw.Write(bad);

        Assert.True(_rig.PollUntilNoAllocation(), "the connection outlived the bad record");
        List<byte[]> received = _rig.PeerDatagrams();
        Assert.Equal(payloads.Length, received.Count);
        for (int i = 0; i < payloads.Length; i++)
        {
            Assert.True(payloads[i].AsSpan().SequenceEqual(received[i]), $"datagram {i} is not frame {i}");
        }
        Assert.True(await ClosedAsync(client.Stream), "the client's connection stayed open");
    }

    /// <summary>Payloads of the given lengths, random, each starting with its index.</summary>
    private static byte[][] Payloads(int[] sizes)
    {
        var payloads = new byte[sizes.Length][];
        for (int i = 0; i < sizes.Length; i++)
        {
            payloads[i] = new byte[sizes[i]];
            Random.Shared.NextBytes(payloads[i]);
            payloads[i][0] = (byte)i;
        }
        return payloads;
    }

    private static async Task<bool> ClosedAsync(Stream stream)
    {
        try
        {
            return await TcpTurnClient.EndsAsync(stream);
        }
        catch (System.Security.Authentication.AuthenticationException)
        {
            return true;
        }
    }
}
