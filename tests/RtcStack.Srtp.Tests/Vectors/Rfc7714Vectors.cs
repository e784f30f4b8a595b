namespace RtcStack.Srtp.Tests.Vectors;

/// <summary>
/// RFC 7714 test vectors: §16 SRTP (16.1 AEAD_AES_128_GCM, 16.2 AEAD_AES_256_GCM) and §17 SRTCP (17.1 128 encryption,
/// 17.2 256 decryption, 17.3 128 tag-only, 17.4 256 tag-only). Session keys and salts are given directly (no KDF).
/// </summary>
internal static class Rfc7714Vectors
{
    public const string Key128 = "000102030405060708090a0b0c0d0e0f";
    public const string Key256 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    public const string Salt = "517569642070726f2071756f"; // "Quid pro quo"

    // §16: RTP header 8040f17b 8041f8d3 5501a0b2 (SEQ 0xf17b, SSRC 0x5501a0b2, ROC 0), payload "Gallia est omnis...".
    public const string RtpPlain =
        "8040f17b8041f8d35501a0b2" + "47616c6c69612065" + "7374206f6d6e6973" + "2064697669736120" + "696e207061727465" + "732074726573";

    // §16.1.1 AEAD_AES_128_GCM encrypted RTP packet (header | ciphertext | tag).
    public const string Rtp128Protected =
        "8040f17b8041f8d35501a0b2" + "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833" +
        "899d7f27beb16a9152cf765ee4390cce";

    // §16.2.1 AEAD_AES_256_GCM encrypted RTP packet.
    public const string Rtp256Protected =
        "8040f17b8041f8d35501a0b2" + "32b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b" +
        "7aa3db36dfffd6b0f9bb7878d7a76c13";

    // §17: SRTCP sender report, SSRC "Mars" (0x4d617273), SRTCP index 0x5d4.
    public const string RtcpPlain =
        "81c8000d4d617273" + "4e5450314e545032" + "525450200000042a" + "0000e9304c756e61" + "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

    public const uint RtcpIndex = 0x5d4;

    // §17.1 AEAD_AES_128_GCM SRTCP encryption: header | ciphertext | tag | E+index.
    public const string Rtcp128Protected =
        "81c8000d4d617273" + "63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded" +
        "0bb9275bc84aa45896cf4d2fc5abf872" + "45d9eade" + "800005d4";

    // §17.2 AEAD_AES_256_GCM SRTCP (decryption vector).
    public const string Rtcp256Protected =
        "81c8000d4d617273" + "d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de047" +
        "6f1b6fad1d1eb30c4446839f57ff6f6c" + "b26ac3be" + "800005d4";

    // §17.3 AEAD_AES_128_GCM SRTCP tag-only (E = 0): plaintext | tag | index.
    public const string Rtcp128TagOnly = RtcpPlain + "841dd9683dd78ec92ae58790125f62b3" + "000005d4";

    // §17.4 AEAD_AES_256_GCM SRTCP tag-only.
    public const string Rtcp256TagOnly = RtcpPlain + "91db4afbfeee5a978fab4393ed2615fe" + "000005d4";
}
