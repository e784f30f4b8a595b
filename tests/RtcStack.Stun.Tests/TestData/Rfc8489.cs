namespace RtcStack.Stun.Tests.TestData;

/// <summary>
/// RFC 8489 Appendix B.1, "Sample Request with Long-Term Authentication with
/// MESSAGE-INTEGRITY-SHA256 and USERHASH", as corrected by verified Errata 6268
/// (https://www.rfc-editor.org/errata/eid6268): length 0x90 and a PASSWORD-ALGORITHM (SHA-256)
/// attribute, with the recomputed HMAC. Username "マトリックス", password "TheMatrIX",
/// nonce "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA", realm "example.org".
/// </summary>
internal static class Rfc8489
{
    public const string Nonce = "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA";

    public static readonly byte[] LongTermSha256Request = Hex.Parse("""
        00 01 00 90 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
        00 1e 00 20 4a 3c f3 8f ef 69 92 bd a9 52 c6 78 04 17 da 0f 24 81 94 15 56 9e 60 b2 05 c4 6e 41 40 7f 17 04
        00 15 00 29 6f 62 4d 61 74 4a 6f 73 32 41 41 41 43 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39
                    46 53 54 76 79 36 34 73 41 00 00 00
        00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
        00 1d 00 04 00 02 00 00
        00 1c 00 20 b5 c7 bf 00 5b 6c 52 a2 1c 51 c5 e8 92 f8 19 24 13 62 96 cb 92 7c 43 14 93 09 27 8c c6 51 8e 65
        """);
}
