namespace RtcStack.Dtls;

/// <summary>How a handshake ended.</summary>
public enum DtlsHandshakeResult
{
    /// <summary>Connected; <see cref="DtlsSession.Keys"/> is set.</summary>
    Connected,
    /// <summary>The peer's certificate does not match the SDP fingerprint.</summary>
    CertificateRejected,
    /// <summary>No SRTP protection profile in common.</summary>
    NoCommonProfile,
    /// <summary>The overall handshake timeout passed.</summary>
    Timeout,
    /// <summary>Cancelled or closed before it finished.</summary>
    Cancelled,
    /// <summary>Any other failure (alert, protocol error).</summary>
    Failed,
}
