namespace RtcStack.Srtp.Tests.Vectors;

/// <summary>Test vectors from RFC 3711 Appendix B and libsrtp's srtp_validate known-answer packets.</summary>
internal static class Rfc3711Vectors
{
    // RFC 3711 Appendix B.2, AES-CM test vectors: session key, session salt, keystream blocks with SSRC 0, index 0.
    public const string B2SessionKey = "2B7E151628AED2A6ABF7158809CF4F3C";
    public const string B2SessionSalt = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD";
    public const string B2Iv = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000";
    public const string B2Block0000 = "E03EAD0935C95E80E166B16DD92B4EB4";
    public const string B2Block0001 = "D23513162B02D0F72A43A2FE4A5F97AB";
    public const string B2Block0002 = "41E95B3BB0A2E8DD477901E4FCA894C0";
    public const string B2BlockFEFF = "EC8CDF7398607CB0F2D21675EA9EA1E4";
    public const string B2BlockFF00 = "362B7C3C6773516318A077D7FC5073AE";
    public const string B2BlockFF01 = "6A2CC3787889374FBEB4C81B17BA6C44";

    // RFC 3711 Appendix B.3, key derivation test vectors (key derivation rate 0).
    public const string B3MasterKey = "E1F97A0D3E018BE0D64FA32C06DE4139";
    public const string B3MasterSalt = "0EC675AD498AFEEBB6960B3AABE6";
    public const string B3CipherKey = "C61E7A93744F39EE10734AFE3FF7A087";
    public const string B3CipherSalt = "30CBBC08863D8C85D49DB34A9AE1";
    public const string B3AuthKey =
        "CEBE321F6FF7716B6FD4AB49AF256A15" + "6D38BAA48F0A0ACF3C34E2359E6CDBCE" +
        "E049646C43D9327AD175578EF7227098" + "6371C10C9A369AC2F94A8C5FBCDDDC25" +
        "6D6E919A48B610EF17C2041E47403576" + "6B68642C59BBFC2F34DB60DBDFB2";

    // libsrtp test/srtp_driver.c (srtp_validate), AES_CM_128_HMAC_SHA1_80 with the B.3 master key and salt:
    // SSRC 0xcafebabe, SEQ 0x1234, ROC 0. Exercises KDF + AES-CM + HMAC-SHA1 end to end.
    public const string CmRtpPlain = "800f1234decafbadcafebabe" + "abababababababababababababababab";
    public const string CmRtpProtected = "800f1234decafbadcafebabe" + "4e55dc4ce79978d88ca4d215949d2402" + "b78d6acc99ea179b8dbb";

    // libsrtp srtp_validate SRTCP packet, SRTCP index 1: header | ciphertext | E+index | 80-bit tag.
    public const string CmRtcpPlain = "81c8000bcafebabe" + "abababababababababababababababab";
    public const string CmRtcpProtected = "81c8000bcafebabe" + "7128035be487b9bdbef89041f977a5a8" + "80000001" + "993e08cd54d6c1230798";
}
