using FsCheck.Xunit;
using RtcStack.Rtp.Rtcp;

namespace RtcStack.Rtp.Tests;

public sealed class TransportFeedbackTests
{
    [Fact]
    public void Reads_a_run_length_capture()
    {
        // Chrome capture used by pion/rtcp (transport_layer_cc_test.go "example1"): 1 packet, small delta 148 ticks.
        var data = Convert.FromHexString("afcd0005" + "fa17fa17" + "43032fa0" + "00990001" + "3de80217" + "2001" + "94" + "01");
        var feedback = Read(data);
        Assert.Equal(0xfa17fa17u, feedback.SenderSsrc);
        Assert.Equal(0x43032fa0u, feedback.MediaSsrc);
        Assert.Equal(153, feedback.BaseSequenceNumber);
        Assert.Equal(1, feedback.PacketStatusCount);
        Assert.Equal(4057090, feedback.ReferenceTime);
        Assert.Equal(23, feedback.FeedbackPacketCount);
        var packets = new TransportFeedbackPacket[4];
        Assert.Equal(1, feedback.GetPackets(packets));
        Assert.Equal(new TransportFeedbackPacket(153, TransportFeedbackStatus.ReceivedSmallDelta, 148), packets[0]);
        Assert.Equal(37_000, packets[0].DeltaMicroseconds);
    }

    [Fact]
    public void Reads_seven_small_deltas_with_three_padding_bytes()
    {
        // pion/rtcp "example4".
        var data = Convert.FromHexString("afcd0007" + "fa17fa17" + "193dd8bb" + "00040007" + "10636e01" + "2007" + "4c24241 00c0c10".Replace(" ", string.Empty, StringComparison.Ordinal) + "000003");
        var feedback = Read(data);
        var packets = new TransportFeedbackPacket[7];
        Assert.Equal(7, feedback.GetPackets(packets));
        Assert.Equal([19_000L, 9_000, 9_000, 4_000, 3_000, 3_000, 4_000], packets.Select(p => p.DeltaMicroseconds));
        Assert.Equal(Enumerable.Range(4, 7).Select(i => (ushort)i), packets.Select(p => p.SequenceNumber));
    }

    [Theory]
    [InlineData("afcd0004" + "00000001" + "00000002" + "00010002" + "00000001" + "f000")] // symbol 3 is reserved
    [InlineData("8fcd0004" + "00000001" + "00000002" + "00010009" + "00000001" + "2009")] // deltas missing
    [InlineData("8fcd0003" + "00000001" + "00000002" + "00010009")] // no reference time
    public void Rejects_malformed_feedback(string hex)
    {
        var data = Convert.FromHexString(hex);
        Assert.Equal(RtcpReadResult.Ok, RtcpPacket.TryRead(data, out var packet, out _));
        Assert.NotEqual(RtcpReadResult.Ok, RtcpTransportFeedback.TryRead(packet, out _));
    }

    [Property(MaxTest = 300)]
    public bool Write_then_read_reproduces_arrivals(ushort baseSequence, byte count, int[] gaps, byte feedbackCount)
    {
        // Arrival times: the first received, later ones lost when the gap is negative.
        var arrivals = new long[Math.Max(1, gaps.Length)];
        var clock = 5_000_000L + (baseSequence * 1000L);
        arrivals[0] = clock;
        for (var i = 1; i < arrivals.Length; i++)
        {
            clock += Math.Abs(gaps[i] % 100_000);
            arrivals[i] = gaps[i] % 5 == 0 ? -1 : clock;
        }

        var buffer = new byte[20_000];
        if (!TransportFeedbackWriter.TryWrite(buffer, 1, 2, baseSequence, feedbackCount, arrivals, out var written, out var reported)
            || reported != arrivals.Length || written % 4 != 0)
        {
            return false;
        }

        var feedback = Read(buffer[..written]);
        var packets = new TransportFeedbackPacket[arrivals.Length];
        if (feedback.GetPackets(packets) != arrivals.Length || feedback.FeedbackPacketCount != feedbackCount)
        {
            return false;
        }

        var ticks = feedback.ReferenceTime * 256L;
        for (var i = 0; i < arrivals.Length; i++)
        {
            var p = packets[i];
            if (p.SequenceNumber != (ushort)(baseSequence + i) || (p.Status == TransportFeedbackStatus.NotReceived) != (arrivals[i] < 0))
            {
                return false;
            }

            ticks += p.DeltaTicks;
            if (arrivals[i] >= 0 && ticks != arrivals[i] / 250)
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void A_gap_too_large_for_16_bits_ends_the_message()
    {
        long[] arrivals = [1_000_000, 1_001_000, -1, 20_000_000, 20_001_000];
        var buffer = new byte[200];
        Assert.True(TransportFeedbackWriter.TryWrite(buffer, 1, 2, 100, 0, arrivals, out var written, out var reported));
        Assert.Equal(3, reported);
        var packets = new TransportFeedbackPacket[3];
        Assert.Equal(3, Read(buffer[..written]).GetPackets(packets));
        Assert.Equal(TransportFeedbackStatus.NotReceived, packets[2].Status);
    }

    [Fact]
    public void Negative_deltas_use_large_symbols()
    {
        long[] arrivals = [2_000_000, 1_990_000, 2_100_000];
        var buffer = new byte[200];
        Assert.True(TransportFeedbackWriter.TryWrite(buffer, 1, 2, 0, 0, arrivals, out var written, out _));
        var packets = new TransportFeedbackPacket[3];
        Read(buffer[..written]).GetPackets(packets);
        Assert.Equal(TransportFeedbackStatus.ReceivedLargeDelta, packets[1].Status);
        Assert.Equal(-40, packets[1].DeltaTicks);
        Assert.Equal(TransportFeedbackStatus.ReceivedLargeDelta, packets[2].Status);
    }

    [Fact]
    public void Refuses_a_first_packet_that_was_not_received_or_a_small_buffer()
    {
        Assert.False(TransportFeedbackWriter.TryWrite(new byte[100], 1, 2, 0, 0, [-1L, 5], out _, out _));
        Assert.False(TransportFeedbackWriter.TryWrite(new byte[20], 1, 2, 0, 0, [1L, 2, 3, 4, 5, 6], out _, out _));
    }

    private static RtcpTransportFeedback Read(byte[] data)
    {
        Assert.Equal(RtcpReadResult.Ok, RtcpPacket.TryRead(data, out var packet, out var length));
        Assert.Equal(data.Length, length);
        Assert.Equal(RtcpReadResult.Ok, RtcpTransportFeedback.TryRead(packet, out var feedback));
        return feedback;
    }
}
