namespace RtcStack.Ice;

/// <summary>What a datagram on the media port is, by its first bytes (RFC 7983 §7, RFC 5761 §4).</summary>
public enum MediaPacketKind
{
    /// <summary>Anything else (including ZRTP 16–19 and TURN channels 64–79, which we do not use here).</summary>
    Unknown,
    /// <summary>First byte 0–3.</summary>
    Stun,
    /// <summary>First byte 20–63.</summary>
    Dtls,
    /// <summary>First byte 128–191 and payload type outside 192–223.</summary>
    Rtp,
    /// <summary>First byte 128–191 and second byte 192–223 (SR, RR, SDES, BYE, APP, RTPFB, PSFB…).</summary>
    Rtcp,
}
