using RtcStack.Dtls;
using RtcStack.Sctp;

namespace RtcStack.Sfu;

/// <summary>RFC 8261 §5: each SCTP packet is one DTLS application_data record.</summary>
internal sealed class SctpOverDtls(DtlsSession dtls) : ISctpTransport
{
    public ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        if (!dtls.SendApplicationData(packet.Span))
        {
            SfuMetrics.Drop("sctp_send_failed");
        }
        return ValueTask.CompletedTask;
    }
}
