namespace RtcStack.Dtls;

/// <summary>DTLS settings; the defaults are what worked with Chromium 156 (see shared/reference/dtls-spike.md).</summary>
public sealed class DtlsOptions
{
    /// <summary>Largest datagram we send (the path MTU budget for DTLS records). Default 1200.</summary>
    public int SendLimit { get; init; } = 1200;

    /// <summary>Largest datagram we accept. Default 1500 (Chromium's ClientHello arrives as 1200 + 263).</summary>
    public int ReceiveLimit { get; init; } = 1500;

    /// <summary>Overall handshake timeout. Default 15 s (BouncyCastle's default of 0 waits forever).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>First flight retransmission timer (doubles each time, RFC 6347 §4.2.4.1). Default 500 ms.</summary>
    public TimeSpan InitialRetransmitTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Datagrams queued for a handshake that has not consumed them yet; more are dropped. Default 64.</summary>
    public int HandshakeQueueCapacity { get; init; } = 64;

    /// <summary>Profiles we accept, most preferred first. Default AEAD_AES_128_GCM, then AES128_CM_HMAC_SHA1_80.</summary>
    public IReadOnlyList<DtlsSrtpProfile> SrtpProfiles { get; init; } = [DtlsSrtpProfile.AeadAes128Gcm, DtlsSrtpProfile.Aes128CmHmacSha1_80];
}
