using System.Buffers.Binary;

namespace RtcStack.Rtp.Rtcp;

/// <summary>
/// Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03 §2.2): PSFB FMT 15, media SSRC 0,
/// FCI "REMB", SSRC count, 6-bit exponent and 18-bit mantissa, then the SSRCs.
/// </summary>
public readonly ref struct RtcpRemb
{
    private static ReadOnlySpan<byte> Identifier => "REMB"u8;

    private RtcpRemb(uint senderSsrc, ulong bitrate, ReadOnlySpan<byte> ssrcs)
    {
        SenderSsrc = senderSsrc;
        Bitrate = bitrate;
        SsrcBytes = ssrcs;
    }

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; }

    /// <summary>Estimated maximum bitrate in bits per second.</summary>
    public ulong Bitrate { get; }

    /// <summary>The SSRC list, 4 bytes each.</summary>
    public ReadOnlySpan<byte> SsrcBytes { get; }

    /// <summary>Number of SSRCs the estimate applies to.</summary>
    public int SsrcCount => SsrcBytes.Length / 4;

    /// <summary>SSRC <paramref name="index"/>.</summary>
    public uint GetSsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SsrcCount);
        return BinaryPrimitives.ReadUInt32BigEndian(SsrcBytes[(4 * index)..]);
    }

    /// <summary>Interprets <paramref name="packet"/> as REMB (another ALFB message gives WrongType).</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out RtcpRemb remb)
    {
        remb = default;
        var result = RtcpFeedback.TryRead(packet, RtcpPacketType.PayloadSpecificFeedback, (int)PayloadFeedbackFormat.ApplicationLayer, out var feedback);
        if (result != RtcpReadResult.Ok)
        {
            return result;
        }

        var fci = feedback.Fci;
        if (fci.Length < 8)
        {
            return RtcpReadResult.Truncated;
        }

        if (!fci[..4].SequenceEqual(Identifier))
        {
            return RtcpReadResult.WrongType;
        }

        var count = fci[4];
        if (fci.Length < 8 + (4 * count))
        {
            return RtcpReadResult.Truncated;
        }

        var exponent = fci[5] >> 2;
        var mantissa = ((ulong)(fci[5] & 0x03) << 16) | ((ulong)fci[6] << 8) | fci[7];
        var bitrate = exponent > 46 ? ulong.MaxValue : mantissa << exponent;
        remb = new RtcpRemb(feedback.SenderSsrc, bitrate, fci.Slice(8, 4 * count));
        return RtcpReadResult.Ok;
    }

    /// <summary>Writes a REMB for up to 255 SSRCs; the bitrate is rounded down to 18 significant bits.</summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, ulong bitrate, ReadOnlySpan<uint> ssrcs, out int written)
    {
        written = 0;
        var fci = 8 + (4 * ssrcs.Length);
        if (ssrcs.Length > 255 || !RtcpFeedback.TryWriteHeader(destination, RtcpPacketType.PayloadSpecificFeedback, (int)PayloadFeedbackFormat.ApplicationLayer, senderSsrc, 0, fci))
        {
            return false;
        }

        var exponent = 0;
        while (bitrate >> exponent > 0x3FFFF)
        {
            exponent++;
        }

        var mantissa = bitrate >> exponent;
        var position = RtcpFeedback.FixedLength;
        Identifier.CopyTo(destination[position..]);
        destination[position + 4] = (byte)ssrcs.Length;
        destination[position + 5] = (byte)((exponent << 2) | (int)(mantissa >> 16));
        destination[position + 6] = (byte)(mantissa >> 8);
        destination[position + 7] = (byte)mantissa;
        position += 8;
        foreach (var ssrc in ssrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[position..], ssrc);
            position += 4;
        }

        written = position;
        return true;
    }
}
