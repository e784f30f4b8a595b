namespace RtcStack.Rtp.Rtcp;

/// <summary>Packet status symbols of transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.1).</summary>
public enum TransportFeedbackStatus : byte
{
    /// <summary>Packet not received.</summary>
    NotReceived = 0,

    /// <summary>Received, delta 0-63.75 ms in one byte.</summary>
    ReceivedSmallDelta = 1,

    /// <summary>Received, large or negative delta in two bytes.</summary>
    ReceivedLargeDelta = 2,
}
