using FsCheck.Xunit;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// <see cref="TlsRecordCutter"/>: however a stream of TLS records is cut into reads, every read handed on stops at the
/// end of a record or of the read, never beyond a record's end, and nothing is lost.
/// </summary>
public sealed class TlsRecordCutterTests
{
    [Theory]
    [InlineData(new[] { 3 }, new[] { 8 }, new[] { 8 })] // one whole record
    [InlineData(new[] { 3, 4 }, new[] { 17 }, new[] { 8, 9 })] // two in one read: one at a time
    [InlineData(new[] { 0, 2 }, new[] { 12 }, new[] { 5, 7 })] // an empty record ends with its header
    [InlineData(new[] { 10 }, new[] { 2, 2, 11 }, new[] { 2, 2, 11 })] // the header itself split
    [InlineData(new[] { 1, 1 }, new[] { 4, 8 }, new[] { 4, 2, 6 })] // a read ends a record and starts the next
    public void Hands_on_at_most_one_record_per_call(int[] bodies, int[] reads, int[] expected)
    {
        byte[] stream = Records(bodies);
        Assert.Equal(stream.Length, reads.Sum());
        Assert.Equal(expected, Cuts(stream, reads));
    }

    [Property(MaxTest = 300)]
    public bool Every_cut_is_a_record_end_or_a_read_end_and_every_record_end_is_a_cut(byte[] lengths, int seed)
    {
        int[] bodies = [.. lengths.Select(l => l * 3)];
        byte[] stream = Records(bodies);
        var random = new Random(seed);
        var reads = new List<int>();
        for (int left = stream.Length; left > 0;)
        {
            int n = Math.Min(left, random.Next(1, 400));
            reads.Add(n);
            left -= n;
        }
        var recordEnds = new HashSet<int>();
        int end = 0;
        foreach (int body in bodies)
        {
            end += 5 + body;
            recordEnds.Add(end);
        }
        var readEnds = new HashSet<int>();
        int at = 0;
        foreach (int n in reads)
        {
            at += n;
            readEnds.Add(at);
        }
        var cuts = new HashSet<int>();
        int position = 0;
        foreach (int cut in Cuts(stream, [.. reads]))
        {
            position += cut;
            cuts.Add(position);
        }
        return position == stream.Length && recordEnds.IsSubsetOf(cuts) && cuts.All(c => recordEnds.Contains(c) || readEnds.Contains(c));
    }

    /// <summary>What a reader hands on: each read given to the cutter again and again until it is used up.</summary>
    private static List<int> Cuts(byte[] stream, int[] reads)
    {
        var cutter = default(TlsRecordCutter);
        var cuts = new List<int>();
        int offset = 0;
        foreach (int read in reads)
        {
            int left = read;
            while (left > 0)
            {
                int taken = cutter.Take(stream.AsSpan(offset, left));
                Assert.InRange(taken, 1, left);
                cuts.Add(taken);
                offset += taken;
                left -= taken;
            }
        }
        return cuts;
    }

    private static byte[] Records(int[] bodies)
    {
        var stream = new List<byte>();
        foreach (int body in bodies)
        {
            stream.AddRange([23, 3, 3, (byte)(body >> 8), (byte)body]);
            stream.AddRange(Enumerable.Repeat((byte)0xAB, body));
        }
        return [.. stream];
    }
}
