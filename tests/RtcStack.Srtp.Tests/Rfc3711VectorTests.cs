using RtcStack.Srtp.Tests.Vectors;
using static RtcStack.Srtp.Tests.Vectors.Rfc3711Vectors;

namespace RtcStack.Srtp.Tests;

public sealed class Rfc3711VectorTests
{
    [Fact]
    public void B2_aes_cm_keystream_matches_first_blocks()
    {
        using var ctr = new AesCounterMode(Hex.Bytes(B2SessionKey));
        var keystream = new byte[48];
        ctr.Apply(Hex.Bytes(B2Iv), keystream);
        Assert.Equal(Hex.Bytes(B2Block0000 + B2Block0001 + B2Block0002), keystream);
    }

    [Fact]
    public void B2_aes_cm_keystream_matches_last_blocks_of_the_segment()
    {
        using var ctr = new AesCounterMode(Hex.Bytes(B2SessionKey));
        var keystream = new byte[0xFF02 * 16];
        ctr.Apply(Hex.Bytes(B2Iv), keystream);
        Assert.Equal(Hex.Bytes(B2BlockFEFF + B2BlockFF00 + B2BlockFF01), keystream[(0xFEFF * 16)..]);
    }

    [Fact]
    public void B2_keystream_through_the_srtp_cipher_with_ssrc_0_and_index_0()
    {
        using var cipher = new AesCmHmacSha1Cipher(Hex.Bytes(B2SessionKey), Hex.Bytes(B2SessionSalt), new byte[20], 10);
        var packet = new byte[12 + 48 + 10];
        packet[0] = 0x80;
        cipher.ProtectRtp(packet, 12, 60, ssrc: 0, roc: 0);
        Assert.Equal(Hex.Bytes(B2Block0000 + B2Block0001 + B2Block0002), packet[12..60]);
    }

    [Theory]
    [InlineData(SrtpKeyDerivation.SrtpEncryption, B3CipherKey)]
    [InlineData(SrtpKeyDerivation.SrtpSalt, B3CipherSalt)]
    [InlineData(SrtpKeyDerivation.SrtpAuthentication, B3AuthKey)]
    public void B3_key_derivation(byte label, string expected)
    {
        var output = new byte[expected.Length / 2];
        SrtpKeyDerivation.Derive(Hex.Bytes(B3MasterKey), Hex.Bytes(B3MasterSalt), label, output);
        Assert.Equal(Hex.Bytes(expected), output);
    }

    [Fact]
    public void Aes_cm_hmac_sha1_80_packet_through_kdf_matches_libsrtp()
    {
        using var session = SrtpSession.Create(SrtpProfile.Aes128CmHmacSha1_80, Hex.Bytes(B3MasterKey), Hex.Bytes(B3MasterSalt), Hex.Bytes(B3MasterKey), Hex.Bytes(B3MasterSalt));
        var plain = Hex.Bytes(CmRtpPlain);
        var buffer = new byte[plain.Length + session.RtpOverhead];
        plain.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, session.ProtectRtp(buffer, plain.Length, out var length));
        Assert.Equal(Hex.Bytes(CmRtpProtected), buffer[..length]);

        Assert.Equal(SrtpResult.Ok, session.UnprotectRtp(buffer, out var plainLength));
        Assert.Equal(plain, buffer[..plainLength]);
    }

    [Fact]
    public void Aes_cm_hmac_sha1_80_srtcp_packet_matches_libsrtp()
    {
        using var session = SrtpSession.Create(SrtpProfile.Aes128CmHmacSha1_80, Hex.Bytes(B3MasterKey), Hex.Bytes(B3MasterSalt), Hex.Bytes(B3MasterKey), Hex.Bytes(B3MasterSalt));
        session.Outbound.Configure(0xcafebabe, nextRtcpIndex: 1);
        var plain = Hex.Bytes(CmRtcpPlain);
        var buffer = new byte[plain.Length + session.RtcpOverhead];
        plain.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, session.ProtectRtcp(buffer, plain.Length, out var length));
        Assert.Equal(Hex.Bytes(CmRtcpProtected), buffer[..length]);

        Assert.Equal(SrtpResult.Ok, session.UnprotectRtcp(buffer, out var plainLength));
        Assert.Equal(plain, buffer[..plainLength]);
    }
}
