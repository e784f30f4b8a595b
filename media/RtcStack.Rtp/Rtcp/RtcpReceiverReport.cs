using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>Receiver report, PT 201 (RFC 3550 §6.4.2): reader and writer.</summary>
public readonly ref struct RtcpReceiverReport
{
    private RtcpReceiverReport(ReadOnlySpan<byte> body, int count)
    {
        Body = body;
        ReportCount = count;
    }

    /// <summary>Body after the common header.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>SSRC of the packet sender.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(Body);

    /// <summary>Number of report blocks.</summary>
    public int ReportCount { get; }

    /// <summary>Report block <paramref name="index"/> (0-based, below <see cref="ReportCount"/>).</summary>
    public RtcpReportBlock GetReportBlock(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ReportCount);
        return RtcpReportBlock.Read(Body[(4 + (index * RtcpReportBlock.Length))..]);
    }

    /// <summary>Interprets <paramref name="packet"/> as a receiver report.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out RtcpReceiverReport report)
    {
        report = default;
        if (packet.PacketType != RtcpPacketType.ReceiverReport)
        {
            return RtcpReadResult.WrongType;
        }

        if (packet.Body.Length < 4 + (packet.Count * RtcpReportBlock.Length))
        {
            return RtcpReadResult.Truncated;
        }

        report = new RtcpReceiverReport(packet.Body, packet.Count);
        return RtcpReadResult.Ok;
    }

    /// <summary>Writes a receiver report with up to 31 report blocks (none is valid: an empty RR).</summary>
    public static bool TryWrite(Span<byte> destination, uint ssrc, ReadOnlySpan<RtcpReportBlock> blocks, out int written)
    {
        written = 0;
        var body = 4 + (blocks.Length * RtcpReportBlock.Length);
        if (blocks.Length > 31 || destination.Length < RtcpPacket.HeaderLength + body)
        {
            return false;
        }

        RtcpPacket.WriteHeader(destination, blocks.Length, RtcpPacketType.ReceiverReport, body);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i].Write(destination[(8 + (i * RtcpReportBlock.Length))..]);
        }

        written = RtcpPacket.HeaderLength + body;
        return true;
    }
}
