namespace RtcStack.Srtp;

/// <summary>Lengths that each <see cref="SrtpProfile"/> fixes (RFC 5764 §4.1.2, RFC 7714 §14.2).</summary>
public static class SrtpProfileExtensions
{
    /// <summary>True for a profile this library implements.</summary>
    public static bool IsSupported(this SrtpProfile profile)
        => profile is SrtpProfile.Aes128CmHmacSha1_80 or SrtpProfile.Aes128CmHmacSha1_32
            or SrtpProfile.AeadAes128Gcm or SrtpProfile.AeadAes256Gcm;

    /// <summary>True for the AES-GCM profiles.</summary>
    public static bool IsAead(this SrtpProfile profile)
        => profile is SrtpProfile.AeadAes128Gcm or SrtpProfile.AeadAes256Gcm;

    /// <summary>Master key length in bytes (16 or 32).</summary>
    public static int GetMasterKeyLength(this SrtpProfile profile)
        => profile == SrtpProfile.AeadAes256Gcm ? 32 : 16;

    /// <summary>Master salt length in bytes: 14 for AES-CM, 12 for AES-GCM.</summary>
    public static int GetMasterSaltLength(this SrtpProfile profile)
        => profile.IsAead() ? 12 : 14;

    /// <summary>Bytes SRTP appends to an RTP packet (the authentication tag).</summary>
    public static int GetSrtpOverhead(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.Aes128CmHmacSha1_32 => 4,
        SrtpProfile.Aes128CmHmacSha1_80 => 10,
        _ => 16,
    };

    /// <summary>Bytes SRTCP appends to an RTCP packet (E flag + index, and the tag).</summary>
    public static int GetSrtcpOverhead(this SrtpProfile profile) => 4 + (profile.IsAead() ? 16 : 10);

    /// <summary>
    /// Length of the DTLS exported keying material (RFC 5764 §4.2): 2 × (key + salt), for the "EXTRACTOR-dtls_srtp" export.
    /// </summary>
    public static int GetKeyingMaterialLength(this SrtpProfile profile)
        => 2 * (profile.GetMasterKeyLength() + profile.GetMasterSaltLength());
}
