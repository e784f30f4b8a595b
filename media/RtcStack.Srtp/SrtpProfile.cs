namespace RtcStack.Srtp;

/// <summary>
/// SRTP protection profiles, numbered as DTLS-SRTP negotiates them (RFC 5764 §4.1.2, RFC 7714 §14.2), so the
/// value the DTLS use_srtp extension selected can be cast directly.
/// </summary>
public enum SrtpProfile
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80: AES-128 counter mode, 80-bit HMAC-SHA1 tag (RFC 3711).</summary>
    Aes128CmHmacSha1_80 = 0x0001,

    /// <summary>SRTP_AES128_CM_HMAC_SHA1_32: as above with a 32-bit SRTP tag (SRTCP keeps 80 bits).</summary>
    Aes128CmHmacSha1_32 = 0x0002,

    /// <summary>SRTP_AEAD_AES_128_GCM (RFC 7714).</summary>
    AeadAes128Gcm = 0x0007,

    /// <summary>SRTP_AEAD_AES_256_GCM (RFC 7714).</summary>
    AeadAes256Gcm = 0x0008,
}
