using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>Full intra request (RFC 5104 §4.3.1): PSFB FMT 4, media SSRC 0, 8-byte FCI entries.</summary>
public readonly ref struct RtcpFullIntraRequest
{
    private const int EntryLength = 8;

    private RtcpFullIntraRequest(RtcpFeedback feedback)
    {
        SenderSsrc = feedback.SenderSsrc;
        Fci = feedback.Fci;
    }

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; }

    /// <summary>The raw FCI.</summary>
    public ReadOnlySpan<byte> Fci { get; }

    /// <summary>Number of entries.</summary>
    public int EntryCount => Fci.Length / EntryLength;

    /// <summary>Entry <paramref name="index"/> (0-based, below <see cref="EntryCount"/>).</summary>
    public RtcpFirEntry GetEntry(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, EntryCount);
        var entry = Fci[(index * EntryLength)..];
        return new RtcpFirEntry(BinaryPrimitives.ReadUInt32BigEndian(entry), entry[4]);
    }

    /// <summary>Interprets <paramref name="packet"/> as FIR.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out RtcpFullIntraRequest fir)
    {
        fir = default;
        var result = RtcpFeedback.TryRead(packet, RtcpPacketType.PayloadSpecificFeedback, (int)PayloadFeedbackFormat.FullIntraRequest, out var feedback);
        if (result != RtcpReadResult.Ok)
        {
            return result;
        }

        fir = new RtcpFullIntraRequest(feedback);
        return RtcpReadResult.Ok;
    }

    /// <summary>Writes a FIR with the given entries (at least one).</summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, ReadOnlySpan<RtcpFirEntry> entries, out int written)
    {
        written = 0;
        var fci = entries.Length * EntryLength;
        if (entries.IsEmpty || !RtcpFeedback.TryWriteHeader(destination, RtcpPacketType.PayloadSpecificFeedback, (int)PayloadFeedbackFormat.FullIntraRequest, senderSsrc, 0, fci))
        {
            return false;
        }

        var position = RtcpFeedback.FixedLength;
        foreach (var entry in entries)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[position..], entry.Ssrc);
            destination[position + 4] = entry.SequenceNumber;
            destination.Slice(position + 5, 3).Clear();
            position += EntryLength;
        }

        written = position;
        return true;
    }
}
