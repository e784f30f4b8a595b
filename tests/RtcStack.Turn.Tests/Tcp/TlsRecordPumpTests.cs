using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// The RFC 6062 TLS relay's client-to-peer pump (<see cref="TlsRecordPump"/>) over scripted streams: the SslStream
/// reads that complete at once (the records one socket read brought) leave in one peer write, and a peer write that
/// fails while a read waits never ends the pump (whose caller then gives the buffer back to the pool) before that read
/// ended. Fake streams, because a real SslStream read cannot be held pending at that exact moment on demand.
/// </summary>
public sealed class TlsRecordPumpTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(60)]
    public async Task Records_read_at_once_reach_the_peer_in_one_write_in_order(int records)
    {
        byte[][] script = [.. Enumerable.Range(0, records).Select(Record)];
        var from = new ScriptedReadStream([.. script, null]); // the records of one socket read, then a read that waits
        var to = new WriteCountingStream();
        var ends = new CountingEnds();
        byte[] buffer = new byte[TcpPeerConnection.BufferSize];

        Task pump = TlsRecordPump.RunAsync(from, to, buffer, buffer.Length, ends, _ => ends.Closes++);

        Assert.True(from.IsPending, "the pump did not read until a read had to wait");
        Assert.Equal(1, to.Writes); // gathered: not one write per record
        byte[] sent = [.. script.SelectMany(r => r)];
        Assert.Equal(sent, to.Written);
        Assert.Equal(sent.Length, ends.ToPeer);

        byte[] last = Record(records);
        from.CompleteWith(last); // then the end of stream
        await pump.WaitAsync(Patience);
        Assert.Equal(2, to.Writes);
        Assert.Equal([.. sent, .. last], to.Written);
        Assert.Equal(0, ends.Closes);
    }

    [Fact]
    public async Task Records_fill_the_buffer_then_it_is_written_before_the_next_read()
    {
        const int Size = 1000;
        byte[][] script = [.. Enumerable.Range(0, 7).Select(i => new byte[300].Select(_ => (byte)i).ToArray())];
        var from = new ScriptedReadStream([script[0], script[1], script[2], [.. script[3].AsSpan(0, 100)], script[4], script[5], script[6]]);
        var to = new WriteCountingStream();
        var ends = new CountingEnds();

        await TlsRecordPump.RunAsync(from, to, new byte[Size], Size, ends, _ => ends.Closes++).WaitAsync(Patience);

        Assert.Equal(2, to.Writes); // 1000 bytes when full, then the 900 the end of stream found held
        Assert.Equal(1900, to.Written.Length);
        Assert.Equal(1900, ends.ToPeer);
    }

    public enum ReadEnd
    {
        WithData,
        WithError,
        WithEndOfStream,
    }

    [Theory]
    [InlineData(ReadEnd.WithData)]
    [InlineData(ReadEnd.WithError)]
    [InlineData(ReadEnd.WithEndOfStream)]
    public async Task A_peer_write_that_fails_while_a_read_waits_closes_then_ends_only_after_that_read(ReadEnd readEnd)
    {
        var from = new ScriptedReadStream(Record(0), Record(1), null);
        var to = new WriteCountingStream { Failing = true };
        var ends = new CountingEnds();
        byte[] buffer = new byte[TcpPeerConnection.BufferSize];
        bool pendingAtClose = false;
        string? reason = null;

        Task pump = TlsRecordPump.RunAsync(from, to, buffer, buffer.Length, ends, r =>
        {
            ends.Closes++;
            reason = r;
            pendingAtClose = from.IsPending;
        });

        Assert.Equal(1, to.Writes);
        Assert.Equal(1, ends.Closes); // closing the pair is what ends a real SslStream read
        Assert.Equal("peer connection failed", reason);
        Assert.True(pendingAtClose);
        Assert.False(pump.IsCompleted, "the pump ended (its buffer back in the pool) with a read into that buffer in flight");

        switch (readEnd)
        {
            case ReadEnd.WithData:
                from.CompleteWith(Record(2)); // a decrypt that finished late writes into the buffer: still the pump's
                break;
            case ReadEnd.WithError:
                from.Fail(new IOException("aborted"));
                break;
            default:
                from.CompleteEnd();
                break;
        }
        IOException thrown = await Assert.ThrowsAsync<IOException>(() => pump.WaitAsync(Patience));
        Assert.Equal("the peer reset the connection", thrown.Message); // the write's failure, not the read's end
        Assert.Equal(3, from.Reads); // nothing read after the failure
        Assert.Equal(1, to.Writes);
        Assert.Equal(0, ends.ToPeer);
        Assert.Equal(1, ends.Closes);
    }

    private static byte[] Record(int i) => [.. Enumerable.Range(0, 1 + (i * 97 % 250)).Select(b => (byte)(b + i))];

    private sealed class CountingEnds : ITcpRelayEnds
    {
        internal int ToPeer { get; private set; }

        internal int Closes { get; set; }

        public bool IsClosed => Closes > 0;

        public void Relayed(int bytes, bool toPeer)
        {
            Assert.True(toPeer);
            ToPeer += bytes;
        }
    }
}
