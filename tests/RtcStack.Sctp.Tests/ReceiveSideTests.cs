using RtcStack.Sctp.Association;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

public sealed class ReceiveSideTests
{
    [Fact]
    public void Gap_ack_blocks_and_duplicates_describe_what_arrived()
    {
        var tracker = new DataTracker(100);
        foreach (uint tsn in new uint[] { 100, 101, 103, 104, 107 })
        {
            Assert.Equal(TsnCheck.New, tracker.Check(tsn));
            tracker.Add(tsn);
        }

        Assert.Equal(TsnCheck.Duplicate, tracker.Check(101));
        tracker.AddDuplicate(101);
        Assert.Equal(TsnCheck.OutOfWindow, tracker.Check(101 + DataTracker.MaxWindow + 1));
        Assert.Equal(101u, tracker.CumulativeTsn);
        byte[] value = new byte[tracker.SackValueLength(1000)];
        tracker.WriteSack(value, 5000);
        Assert.Equal(SctpReadResult.Ok, SackChunk.TryRead(value, out SackChunk sack));
        Assert.Equal(101u, sack.CumulativeTsnAck);
        Assert.Equal(5000u, sack.AdvertisedReceiverWindow);
        Assert.Equal(2, sack.GapBlockCount);
        Assert.Equal(((ushort)2, (ushort)3), sack.GetGapBlock(0)); // 103-104
        Assert.Equal(((ushort)6, (ushort)6), sack.GetGapBlock(1)); // 107
        Assert.Equal(1, sack.DuplicateCount);
        Assert.Equal(101u, sack.GetDuplicate(0));

        tracker.Add(102);
        Assert.Equal(104u, tracker.CumulativeTsn);
        tracker.ForwardTo(106);
        Assert.Equal(107u, tracker.CumulativeTsn);
        Assert.False(tracker.HasGaps);
    }

    [Fact]
    public void Tsn_arithmetic_wraps()
    {
        var tracker = new DataTracker(uint.MaxValue);
        tracker.Add(uint.MaxValue);
        tracker.Add(1);
        Assert.Equal(uint.MaxValue, tracker.CumulativeTsn);
        tracker.Add(0);
        Assert.Equal(1u, tracker.CumulativeTsn);
        Assert.Equal(TsnCheck.Duplicate, tracker.Check(uint.MaxValue - 5));
    }

    [Fact]
    public void Fragments_in_any_order_reassemble_and_ordered_messages_wait_for_their_ssn()
    {
        var delivered = new List<(ushort Stream, uint Ppid, string Text)>();
        var queue = new ReassemblyQueue(1000, (s, p, d) => delivered.Add((s, p, System.Text.Encoding.ASCII.GetString(d))));

        // Stream 1: SSN 1 "cd" (TSN 12-13) arrives before SSN 0 "ab" (TSN 10-11); unordered "xy" (TSN 14-15) on stream 2.
        Add(queue, 13, 1, 1, DataChunk.FlagEnd, "d");
        Add(queue, 15, 2, 0, DataChunk.FlagUnordered | DataChunk.FlagEnd, "y");
        Add(queue, 12, 1, 1, DataChunk.FlagBeginning, "c");
        Assert.Empty(delivered);
        Assert.Equal(3 + (2 * ReassemblyQueue.Overhead), queue.BufferedBytes); // "cd" waits for SSN 0, plus the "y" fragment
        Add(queue, 14, 2, 0, DataChunk.FlagUnordered | DataChunk.FlagBeginning, "x");
        Assert.Equal([((ushort)2, 51u, "xy")], delivered);
        Add(queue, 11, 1, 0, DataChunk.FlagEnd, "b");
        Add(queue, 10, 1, 0, DataChunk.FlagBeginning, "a");
        Assert.Equal(["xy", "ab", "cd"], delivered.Select(d => d.Text));
        Assert.Equal(0, queue.BufferedBytes);
    }

    [Fact]
    public void Forward_tsn_drops_partial_fragments_and_skips_the_abandoned_ssn()
    {
        var delivered = new List<string>();
        var queue = new ReassemblyQueue(1000, (_, _, d) => delivered.Add(System.Text.Encoding.ASCII.GetString(d)));
        Add(queue, 20, 3, 0, DataChunk.FlagBeginning, "lost-");  // SSN 0 never completes
        Add(queue, 23, 3, 1, DataChunk.FlagBeginning | DataChunk.FlagEnd, "next"); // SSN 1 waits for SSN 0
        Assert.Empty(delivered);
        byte[] fwd = new byte[ForwardTsnChunk.ValueLength(1)];
        ForwardTsnChunk.WriteHeader(fwd, 22);
        ForwardTsnChunk.WriteStream(fwd, 0, 3, 0);
        Assert.Equal(SctpReadResult.Ok, ForwardTsnChunk.TryRead(fwd, out ForwardTsnChunk chunk));
        queue.Forward(22, chunk);
        Assert.Equal(["next"], delivered);
        Assert.Equal(0, queue.BufferedBytes);
    }

    [Fact]
    public void Oversized_message_is_dropped_but_the_stream_moves_on()
    {
        var delivered = new List<int>();
        var queue = new ReassemblyQueue(3, (_, _, d) => delivered.Add(d.Length));
        Add(queue, 1, 0, 0, DataChunk.FlagBeginning, "ab");
        Add(queue, 2, 0, 0, DataChunk.FlagEnd, "cd");
        Add(queue, 3, 0, 1, DataChunk.FlagBeginning | DataChunk.FlagEnd, "e");
        Assert.Equal([1], delivered);
        Assert.Equal(1, queue.OversizedMessages);
    }

    [Fact]
    public void Rto_follows_rfc9260_section_6_3_1()
    {
        var rto = new RtoEstimator(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60));
        Assert.Equal(1000, rto.RtoMs);
        rto.Measure(200); // SRTT 200, RTTVAR 100 -> RTO 600
        Assert.Equal(600, rto.RtoMs);
        rto.Measure(200); // RTTVAR 75, SRTT 200 -> 500
        Assert.Equal(500, rto.RtoMs);
        rto.Backoff();
        Assert.Equal(1000, rto.RtoMs);
        for (int i = 0; i < 20; i++)
        {
            rto.Backoff();
        }

        Assert.Equal(60_000, rto.RtoMs);
        rto.Measure(0);
        Assert.True(rto.RtoMs >= 100);
    }

    [Theory]
    [InlineData(200, 3_000)]     // a LAN path: back-off stops at the 3 s cap
    [InlineData(4_000, 12_000)]  // a path whose measured RTO (12 s) exceeds the cap: back-off stops there
    public void Back_off_stops_at_the_cap_or_at_the_measured_rto_when_larger(double rttMs, double expectedMs)
    {
        var rto = new RtoEstimator(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3));
        rto.Measure(rttMs);
        for (int i = 0; i < 20; i++)
        {
            rto.Backoff();
        }

        Assert.Equal(expectedMs, rto.RtoMs);
        rto.Measure(rttMs);
        Assert.True(rto.RtoMs < expectedMs); // a new sample ends the back-off
    }

    [Fact]
    public void Parsing_a_packet_and_its_chunks_allocates_nothing()
    {
        byte[] packet = PacketCodecTests.Build((ref SctpPacketWriter w) =>
        {
            DataChunk.Write(w.AddChunk(SctpChunkType.Data, 3, DataChunk.HeaderLength + 1000), 7, 1, 2, 53, new byte[1000]);
            SackChunk.WriteHeader(w.AddChunk(SctpChunkType.Sack, 0, SackChunk.ValueLength(0, 0)), 5, 1000, 0, 0);
        });
        long sum = Parse(packet); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            sum += Parse(packet);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }

    private static long Parse(byte[] packet)
    {
        long sum = 0;
        if (SctpPacketReader.TryRead(packet, out SctpPacketReader reader) != SctpReadResult.Ok)
        {
            return -1;
        }

        foreach (SctpChunk chunk in reader)
        {
            if (chunk.Type == SctpChunkType.Data && DataChunk.TryRead(chunk.Flags, chunk.Value, out DataChunk d) == SctpReadResult.Ok)
            {
                sum += d.Tsn + d.UserData.Length;
            }
            else if (chunk.Type == SctpChunkType.Sack && SackChunk.TryRead(chunk.Value, out SackChunk s) == SctpReadResult.Ok)
            {
                sum += s.CumulativeTsnAck;
            }
        }

        return sum;
    }

    private static void Add(ReassemblyQueue queue, uint tsn, ushort stream, ushort ssn, byte flags, string text)
    {
        byte[] value = new byte[DataChunk.HeaderLength + text.Length];
        DataChunk.Write(value, tsn, stream, ssn, 51, System.Text.Encoding.ASCII.GetBytes(text));
        Assert.Equal(SctpReadResult.Ok, DataChunk.TryRead(flags, value, out DataChunk chunk));
        queue.Add(chunk);
    }
}
