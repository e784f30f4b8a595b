using RtcStack.Srtp.Tests.Vectors;

namespace RtcStack.Srtp.Tests;

/// <summary>
/// Key derivation beyond RFC 3711 B.3: the AES-256 PRF (RFC 6188 §7.2 vectors) and the 12-byte AEAD master salt
/// zero-padded to 14 bytes (RFC 7714 §11; values as libsrtp and OpenSSL AES-CTR compute them for libsrtp's GCM
/// test material, master key 00..0f / 00..1f and master salt a0..ab).
/// </summary>
public sealed class KeyDerivationTests
{
    [Theory]
    [InlineData(SrtpKeyDerivation.SrtpEncryption, "5BA1064E30EC51613CAD926C5A28EF731EC7FB397F70A960653CAF06554CD8C4")]
    [InlineData(SrtpKeyDerivation.SrtpSalt, "FA31791685CA444A9E07C6C64E93")]
    public void Rfc6188_aes_256_prf(byte label, string expected)
    {
        var output = new byte[expected.Length / 2];
        SrtpKeyDerivation.Derive(
            Hex.Bytes("F0F04914B513F2763A1B1FA130F10E2998F6F6E43E4309D1E622A0E332B9F1B6"),
            Hex.Bytes("3B04803DE51EE7C96423AB5B78D2"),
            label,
            output);
        Assert.Equal(Hex.Bytes(expected), output);
    }

    [Theory]
    [InlineData(Rfc7714Vectors.Key128, SrtpKeyDerivation.SrtpEncryption, "077c6143cb221bc355ff23d5f984a16e")]
    [InlineData(Rfc7714Vectors.Key128, SrtpKeyDerivation.SrtpSalt, "9af3e95364ebac9c99c5a7c4")]
    [InlineData(Rfc7714Vectors.Key128, SrtpKeyDerivation.SrtcpEncryption, "615dcd9042600666f6fd4d9e4fe4519f")]
    [InlineData(Rfc7714Vectors.Key128, SrtpKeyDerivation.SrtcpSalt, "fcca937b9112a500dac72269")]
    [InlineData(Rfc7714Vectors.Key256, SrtpKeyDerivation.SrtpEncryption, "b7a435ce454463b760dc82c838468a115c699625af4b93a0f8220a2a6119c5d0")]
    [InlineData(Rfc7714Vectors.Key256, SrtpKeyDerivation.SrtcpEncryption, "3c90f52a0a13ff8a853397cadc245b9eac76b36edb4a6062bf624aa1174eebf2")]
    [InlineData(Rfc7714Vectors.Key256, SrtpKeyDerivation.SrtpSalt, "944bd21c268a962cd09c674a")]
    [InlineData(Rfc7714Vectors.Key256, SrtpKeyDerivation.SrtcpSalt, "258c540cf38ddd40848ceaed")]
    public void Aead_master_salt_is_zero_padded(string masterKey, byte label, string expected)
    {
        var output = new byte[expected.Length / 2];
        SrtpKeyDerivation.Derive(Hex.Bytes(masterKey), Hex.Bytes("a0a1a2a3a4a5a6a7a8a9aaab"), label, output);
        Assert.Equal(Hex.Bytes(expected), output);
    }

    [Fact]
    public void Keying_material_halves_go_to_the_right_direction()
    {
        // client key | server key | client salt | server salt (RFC 5764 §4.2).
        var material = Hex.Bytes(Rfc7714Vectors.Key128 + "202122232425262728292a2b2c2d2e2f" + "a0a1a2a3a4a5a6a7a8a9aaab" + "b0b1b2b3b4b5b6b7b8b9babb");
        using var server = SrtpSession.CreateFromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, isDtlsClient: false);
        using var reference = SrtpSession.Create(
            SrtpProfile.AeadAes128Gcm,
            Hex.Bytes(Rfc7714Vectors.Key128),
            Hex.Bytes("a0a1a2a3a4a5a6a7a8a9aaab"),
            Hex.Bytes("202122232425262728292a2b2c2d2e2f"),
            Hex.Bytes("b0b1b2b3b4b5b6b7b8b9babb"));

        // The reference protects with the client half, so the server session must read it.
        var wire = SessionFactory.Protect(reference, 1, 0x1234, [1, 2, 3]);
        Assert.Equal(SrtpResult.Ok, server.UnprotectRtp(wire, out var length));
        Assert.Equal(15, length);
    }
}
