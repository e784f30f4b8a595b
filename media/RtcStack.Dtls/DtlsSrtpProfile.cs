namespace RtcStack.Dtls;

/// <summary>The SRTP protection profiles we negotiate through use_srtp (RFC 5764 §4.1.2, RFC 7714 §14.2).</summary>
public enum DtlsSrtpProfile
{
    /// <summary>No profile negotiated.</summary>
    None = 0,
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80 (0x0001): 16-byte key, 14-byte salt.</summary>
    Aes128CmHmacSha1_80 = 0x0001,
    /// <summary>SRTP_AEAD_AES_128_GCM (0x0007): 16-byte key, 12-byte salt.</summary>
    AeadAes128Gcm = 0x0007,
}
