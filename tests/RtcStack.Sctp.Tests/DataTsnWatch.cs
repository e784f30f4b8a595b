using System.Buffers.Binary;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

/// <summary>
/// A <see cref="VirtualNetwork.Filter"/> that drops nothing and records, from each packet to B with a DATA chunk, the
/// verification tag B expects and that chunk's TSN: what a test needs to forge packets B accepts.
/// </summary>
internal sealed class DataTsnWatch
{
    /// <summary>The verification tag of the last DATA packet to B; 0 until one was seen.</summary>
    public uint TagOfB;

    /// <summary>The TSN of that packet's first DATA chunk (a test may move it on).</summary>
    public uint Tsn;

    /// <summary>Installs a new watch as <paramref name="net"/>'s filter.</summary>
    public static DataTsnWatch On(VirtualNetwork net)
    {
        var watch = new DataTsnWatch();
        net.Filter = (toB, p) =>
        {
            if (toB && TryFindDataTsn(p, out uint tsn))
            {
                watch.TagOfB = BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4));
                watch.Tsn = tsn;
            }

            return false;
        };
        return watch;
    }

    private static bool TryFindDataTsn(byte[] packet, out uint tsn)
    {
        tsn = 0;
        if (SctpPacketReader.TryRead(packet, out SctpPacketReader reader) != SctpReadResult.Ok)
        {
            return false;
        }

        foreach (SctpChunk chunk in reader)
        {
            if (chunk.Type == SctpChunkType.Data && DataChunk.TryRead(chunk.Flags, chunk.Value, out DataChunk d) == SctpReadResult.Ok)
            {
                tsn = d.Tsn;
                return true;
            }
        }

        return false;
    }
}
