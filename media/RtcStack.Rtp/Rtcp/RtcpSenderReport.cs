using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>Sender report, PT 200 (RFC 3550 §6.4.1): reader over the packet and writer into a caller's buffer.</summary>
public readonly ref struct RtcpSenderReport
{
    private const int SenderInfoLength = 20;

    private RtcpSenderReport(ReadOnlySpan<byte> body, int count)
    {
        Body = body;
        ReportCount = count;
    }

    /// <summary>Body after the common header.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>SSRC of the sender.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(Body);

    /// <summary>The sender information.</summary>
    public RtcpSenderInfo SenderInfo => new(
        BinaryPrimitives.ReadUInt64BigEndian(Body[4..]),
        BinaryPrimitives.ReadUInt32BigEndian(Body[12..]),
        BinaryPrimitives.ReadUInt32BigEndian(Body[16..]),
        BinaryPrimitives.ReadUInt32BigEndian(Body[20..]));

    /// <summary>Number of report blocks.</summary>
    public int ReportCount { get; }

    /// <summary>Report block <paramref name="index"/> (0-based, below <see cref="ReportCount"/>).</summary>
    public RtcpReportBlock GetReportBlock(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ReportCount);
        return RtcpReportBlock.Read(Body[(4 + SenderInfoLength + (index * RtcpReportBlock.Length))..]);
    }

    /// <summary>Interprets <paramref name="packet"/> as a sender report.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out RtcpSenderReport report)
    {
        report = default;
        if (packet.PacketType != RtcpPacketType.SenderReport)
        {
            return RtcpReadResult.WrongType;
        }

        if (packet.Body.Length < 4 + SenderInfoLength + (packet.Count * RtcpReportBlock.Length))
        {
            return RtcpReadResult.Truncated;
        }

        report = new RtcpSenderReport(packet.Body, packet.Count);
        return RtcpReadResult.Ok;
    }

    /// <summary>Writes a sender report with up to 31 report blocks.</summary>
    public static bool TryWrite(Span<byte> destination, uint ssrc, RtcpSenderInfo info, ReadOnlySpan<RtcpReportBlock> blocks, out int written)
    {
        written = 0;
        var body = 4 + SenderInfoLength + (blocks.Length * RtcpReportBlock.Length);
        if (blocks.Length > 31 || destination.Length < RtcpPacket.HeaderLength + body)
        {
            return false;
        }

        RtcpPacket.WriteHeader(destination, blocks.Length, RtcpPacketType.SenderReport, body);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], info.NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], info.RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], info.PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], info.OctetCount);
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i].Write(destination[(28 + (i * RtcpReportBlock.Length))..]);
        }

        written = RtcpPacket.HeaderLength + body;
        return true;
    }
}
