namespace RtcStack.Sfu;

/// <summary>
/// A decrypted RTP or RTCP packet: <paramref name="buffer"/>[..<paramref name="length"/>]. The buffer has room
/// for the SRTP overhead after the packet, so it can be rewritten and passed to
/// <see cref="WebRtcTransport.SendRtp"/> in place. Do not keep the buffer after returning.
/// </summary>
public delegate void RtpPacketHandler(WebRtcTransport transport, Span<byte> buffer, int length);
