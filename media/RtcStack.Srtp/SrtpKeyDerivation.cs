namespace RtcStack.Srtp;

/// <summary>
/// The SRTP key derivation function (RFC 3711 §4.3) with the AES-CM PRF (§4.3.3) and a key derivation rate of 0
/// (as DTLS-SRTP uses, RFC 5764 §4.1.2): x = (label at byte 7 of a 14-byte field) XOR master salt, and the session
/// key is the AES-CM keystream of the master key with IV = x · 2^16. A 12-byte AEAD master salt is zero-padded on the
/// right to 14 bytes (RFC 7714 §11, as libsrtp does).
/// </summary>
internal static class SrtpKeyDerivation
{
    /// <summary>Label for the SRTP encryption key (§4.3.1).</summary>
    public const byte SrtpEncryption = 0x00;

    /// <summary>Label for the SRTP authentication key.</summary>
    public const byte SrtpAuthentication = 0x01;

    /// <summary>Label for the SRTP salting key.</summary>
    public const byte SrtpSalt = 0x02;

    /// <summary>Label for the SRTCP encryption key.</summary>
    public const byte SrtcpEncryption = 0x03;

    /// <summary>Label for the SRTCP authentication key.</summary>
    public const byte SrtcpAuthentication = 0x04;

    /// <summary>Label for the SRTCP salting key.</summary>
    public const byte SrtcpSalt = 0x05;

    /// <summary>Derives <paramref name="output"/>.Length bytes for <paramref name="label"/>.</summary>
    public static void Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        Span<byte> iv = stackalloc byte[16];
        iv.Clear();
        masterSalt[..Math.Min(14, masterSalt.Length)].CopyTo(iv);
        iv[7] ^= label; // key_id = label || r with r = 0, aligned to the right of the 14-byte salt
        output.Clear();
        using var prf = new AesCounterMode(masterKey);
        prf.Apply(iv, output);
    }
}
