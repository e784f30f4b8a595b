namespace RtcStack.Rtp.Rtcp;

/// <summary>The sender information of a sender report (RFC 3550 §6.4.1).</summary>
/// <param name="NtpTimestamp">64-bit NTP timestamp (seconds since 1900 in the high 32 bits, fraction in the low).</param>
/// <param name="RtpTimestamp">The same instant in RTP timestamp units.</param>
/// <param name="PacketCount">Packets sent since the start.</param>
/// <param name="OctetCount">Payload octets sent since the start.</param>
public readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount);
