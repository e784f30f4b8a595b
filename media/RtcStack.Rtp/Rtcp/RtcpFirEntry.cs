namespace RtcStack.Rtp.Rtcp;

/// <summary>One FIR FCI entry (RFC 5104 §4.3.1.1): the media sender to refresh and the command sequence number.</summary>
/// <param name="Ssrc">SSRC of the media sender asked for a decoder refresh point.</param>
/// <param name="SequenceNumber">Command sequence number, incremented per new request.</param>
public readonly record struct RtcpFirEntry(uint Ssrc, byte SequenceNumber);
