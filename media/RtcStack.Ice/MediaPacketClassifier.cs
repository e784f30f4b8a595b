namespace RtcStack.Ice;

/// <summary>
/// The one place where the media port tells STUN, DTLS, RTP and RTCP apart (RFC 7983 §7): by the first
/// byte, then RTP from RTCP by the second byte (RFC 5761 §4: RTCP packet types 192–223).
/// </summary>
public static class MediaPacketClassifier
{
    /// <summary>Classifies one datagram.</summary>
    public static MediaPacketKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty)
        {
            return MediaPacketKind.Unknown;
        }
        var b = datagram[0];
        if (b <= 3)
        {
            return MediaPacketKind.Stun;
        }
        if (b is >= 20 and <= 63)
        {
            return MediaPacketKind.Dtls;
        }
        if (b is >= 128 and <= 191 && datagram.Length >= 2)
        {
            return datagram[1] is >= 192 and <= 223 ? MediaPacketKind.Rtcp : MediaPacketKind.Rtp;
        }
        return MediaPacketKind.Unknown;
    }
}
