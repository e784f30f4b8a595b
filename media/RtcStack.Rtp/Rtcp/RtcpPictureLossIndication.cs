namespace RtcStack.Rtp.Rtcp;

/// <summary>Picture loss indication (RFC 4585 §6.3.1): PSFB FMT 1 with no FCI.</summary>
public static class RtcpPictureLossIndication
{
    /// <summary>Size on the wire.</summary>
    public const int Length = RtcpFeedback.FixedLength;

    /// <summary>Reads a PLI.</summary>
    public static RtcpReadResult TryRead(RtcpPacket packet, out uint senderSsrc, out uint mediaSsrc)
    {
        var result = RtcpFeedback.TryRead(packet, RtcpPacketType.PayloadSpecificFeedback, (int)PayloadFeedbackFormat.PictureLossIndication, out var feedback);
        senderSsrc = feedback.SenderSsrc;
        mediaSsrc = feedback.MediaSsrc;
        return result;
    }

    /// <summary>Writes a PLI asking <paramref name="mediaSsrc"/> for a key frame.</summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, out int written)
    {
        written = 0;
        if (!RtcpFeedback.TryWriteHeader(destination, RtcpPacketType.PayloadSpecificFeedback, (int)PayloadFeedbackFormat.PictureLossIndication, senderSsrc, mediaSsrc, 0))
        {
            return false;
        }

        written = Length;
        return true;
    }
}
