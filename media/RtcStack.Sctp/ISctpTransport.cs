namespace RtcStack.Sctp;

/// <summary>
/// Where an association's outgoing packets go: over WebRTC, one SCTP packet per DTLS application-data
/// record (RFC 8261 §5). The buffer is only valid until the returned task completes.
/// </summary>
public interface ISctpTransport
{
    ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken);
}
