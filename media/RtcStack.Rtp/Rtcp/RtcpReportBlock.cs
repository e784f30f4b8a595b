using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>A reception report block (RFC 3550 §6.4.1), 24 bytes on the wire.</summary>
/// <param name="Ssrc">The source this block reports on.</param>
/// <param name="FractionLost">Fraction lost since the last report, in 1/256.</param>
/// <param name="CumulativeLost">Cumulative number of packets lost, signed 24-bit.</param>
/// <param name="ExtendedHighestSequenceNumber">Cycles (high 16 bits) and highest sequence number received.</param>
/// <param name="Jitter">Interarrival jitter in timestamp units.</param>
/// <param name="LastSenderReport">Middle 32 bits of the NTP timestamp of the last SR (LSR).</param>
/// <param name="DelaySinceLastSenderReport">Delay since the last SR, in 1/65536 s (DLSR).</param>
public readonly record struct RtcpReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint ExtendedHighestSequenceNumber,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    /// <summary>Size on the wire.</summary>
    public const int Length = 24;

    internal static RtcpReportBlock Read(ReadOnlySpan<byte> source)
    {
        var lost = (source[5] << 16) | (source[6] << 8) | source[7];
        if ((lost & 0x800000) != 0)
        {
            lost -= 0x1000000; // sign-extend the 24-bit two's complement value
        }

        return new RtcpReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            source[4],
            lost,
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[20..]));
    }

    internal void Write(Span<byte> destination)
    {
        var lost = Math.Clamp(CumulativeLost, -0x800000, 0x7FFFFF) & 0xFFFFFF;
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        destination[4] = FractionLost;
        destination[5] = (byte)(lost >> 16);
        destination[6] = (byte)(lost >> 8);
        destination[7] = (byte)lost;
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ExtendedHighestSequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSenderReport);
    }
}
