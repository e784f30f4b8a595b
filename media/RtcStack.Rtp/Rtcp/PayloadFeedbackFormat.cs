namespace RtcStack.Rtp.Rtcp;

/// <summary>FMT values of payload-specific feedback, PT 206.</summary>
public enum PayloadFeedbackFormat
{
    /// <summary>Picture loss indication (RFC 4585 §6.3.1).</summary>
    PictureLossIndication = 1,

    /// <summary>Full intra request (RFC 5104 §4.3.1).</summary>
    FullIntraRequest = 4,

    /// <summary>Application layer feedback, used by REMB (RFC 4585 §6.4, draft-alvestrand-rmcat-remb).</summary>
    ApplicationLayer = 15,
}
