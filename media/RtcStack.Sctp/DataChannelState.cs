namespace RtcStack.Sctp;

/// <summary>Data channel ready states (W3C RTCDataChannelState).</summary>
public enum DataChannelState
{
    Connecting,
    Open,
    Closing,
    Closed,
}
