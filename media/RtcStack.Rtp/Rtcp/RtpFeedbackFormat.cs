namespace RtcStack.Rtp.Rtcp;

/// <summary>FMT values of transport-layer feedback, PT 205.</summary>
public enum RtpFeedbackFormat
{
    /// <summary>Generic NACK (RFC 4585 §6.2.1).</summary>
    GenericNack = 1,

    /// <summary>Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions §3.1).</summary>
    TransportWideCc = 15,
}
