namespace RtcStack.Sfu;

/// <summary>Which of our candidates go into an answer.</summary>
public enum IceCandidatePolicy
{
    /// <summary>UDP, plus ICE-TCP when enabled.</summary>
    All,
    /// <summary>Only the UDP host candidate.</summary>
    UdpOnly,
    /// <summary>Only the ICE-TCP passive candidate (for tests of networks that block UDP).</summary>
    TcpOnly,
}
