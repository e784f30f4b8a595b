namespace RtcStack.Dtls;

/// <summary>The state of a <see cref="DtlsSession"/> (names as in W3C RTCDtlsTransportState).</summary>
public enum DtlsState
{
    /// <summary>Created; the handshake has not started.</summary>
    New,
    /// <summary>The handshake is running.</summary>
    Connecting,
    /// <summary>The handshake finished; keys are available and application data flows.</summary>
    Connected,
    /// <summary>Closed by us or by the peer's close_notify.</summary>
    Closed,
    /// <summary>The handshake or the connection failed.</summary>
    Failed,
}
