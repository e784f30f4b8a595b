namespace RtcStack.Ice;

/// <summary>An ICE-lite transport's state (names as in W3C RTCIceTransportState).</summary>
public enum IceState
{
    /// <summary>No valid check received yet.</summary>
    New,
    /// <summary>A valid check arrived; the pair is usable (DTLS may start, RFC 8445 §7.3.1.4 note).</summary>
    Connected,
    /// <summary>The controlling agent nominated a pair with USE-CANDIDATE.</summary>
    Completed,
    /// <summary>Consent expired (RFC 7675 §5.1): no valid check for the consent timeout.</summary>
    Disconnected,
    /// <summary>Closed.</summary>
    Closed,
}
