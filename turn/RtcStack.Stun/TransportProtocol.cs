namespace RtcStack.Stun;

/// <summary>The transport protocol of a 5-tuple (RFC 8656 §2).</summary>
public enum TransportProtocol
{
    /// <summary>UDP.</summary>
    Udp = 0,

    /// <summary>TCP.</summary>
    Tcp = 1,

    /// <summary>TLS over TCP.</summary>
    Tls = 2,

    /// <summary>DTLS over UDP.</summary>
    Dtls = 3,
}
