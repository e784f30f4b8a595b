namespace RtcStack.Rtp.Rtcp;

/// <summary>The sender information of a sender report (RFC 3550 §6.4.1).</summary>
/// <param name="NtpTimestamp">64-bit NTP timestamp (seconds since 1900 in the high 32 bits, fraction in the low).</param>
/// <param name="RtpTimestamp">The same instant in RTP timestamp units.</param>
/// <param name="PacketCount">Packets sent since the start.</param>
/// <param name="OctetCount">Payload octets sent since the start.</param>
public readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount)
{
    private static readonly DateTimeOffset NtpEpoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The middle 32 bits of <see cref="NtpTimestamp"/>: the LSR a receiver echoes (RFC 3550 §6.4.1).</summary>
    public uint CompactNtp => (uint)(NtpTimestamp >> 16);

    /// <summary>Converts a wall-clock time to a 64-bit NTP timestamp (era 0, valid until 2036).</summary>
    public static ulong ToNtpTimestamp(DateTimeOffset time)
    {
        var ticks = (time - NtpEpoch).Ticks;
        var seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        var fraction = (ulong)(ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }
}
