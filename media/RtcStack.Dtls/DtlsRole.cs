namespace RtcStack.Dtls;

/// <summary>Our DTLS role, derived from <c>a=setup</c> (RFC 8842 §5): active is client, passive is server.</summary>
public enum DtlsRole
{
    /// <summary>We send the ClientHello (our <c>a=setup:active</c>).</summary>
    Client,
    /// <summary>We wait for the ClientHello (our <c>a=setup:passive</c>).</summary>
    Server,
}
