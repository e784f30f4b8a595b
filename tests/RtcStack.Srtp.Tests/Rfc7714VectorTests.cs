using RtcStack.Srtp.Tests.Vectors;
using static RtcStack.Srtp.Tests.Vectors.Rfc7714Vectors;

namespace RtcStack.Srtp.Tests;

public sealed class Rfc7714VectorTests
{
    private static SrtpDirection Direction(string key)
        => new(new AesGcmCipher(Hex.Bytes(key), Hex.Bytes(Salt)), new AesGcmCipher(Hex.Bytes(key), Hex.Bytes(Salt)), 16);

    [Theory]
    [InlineData(Key128, Rtp128Protected)] // §16.1
    [InlineData(Key256, Rtp256Protected)] // §16.2
    public void Srtp_encryption(string key, string expected)
    {
        using var direction = Direction(key);
        var plain = Hex.Bytes(RtpPlain);
        var buffer = new byte[plain.Length + 16];
        plain.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, direction.ProtectRtp(buffer, plain.Length, out var length));
        Assert.Equal(Hex.Bytes(expected), buffer[..length]);
    }

    [Theory]
    [InlineData(Key128, Rtp128Protected)] // §16.1
    [InlineData(Key256, Rtp256Protected)] // §16.2
    public void Srtp_decryption_and_replay(string key, string protectedHex)
    {
        using var direction = Direction(key);
        var packet = Hex.Bytes(protectedHex);
        Assert.Equal(SrtpResult.Ok, direction.UnprotectRtp(packet, out var length));
        Assert.Equal(Hex.Bytes(RtpPlain), packet[..length]);

        Assert.Equal(SrtpResult.Replayed, direction.UnprotectRtp(Hex.Bytes(protectedHex), out _));
    }

    [Fact]
    public void Srtp_decryption_rejects_a_flipped_bit()
    {
        using var direction = Direction(Key128);
        var packet = Hex.Bytes(Rtp128Protected);
        packet[20] ^= 1;
        Assert.Equal(SrtpResult.AuthFailed, direction.UnprotectRtp(packet, out _));
        Assert.Equal(SrtpResult.Ok, direction.UnprotectRtp(Hex.Bytes(Rtp128Protected), out _));
    }

    [Fact]
    public void Srtcp_128_encryption_17_1()
    {
        using var direction = Direction(Key128);
        direction.Configure(0x4d617273, nextRtcpIndex: RtcpIndex);
        var plain = Hex.Bytes(RtcpPlain);
        var buffer = new byte[plain.Length + 20];
        plain.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, direction.ProtectRtcp(buffer, plain.Length, out var length));
        Assert.Equal(Hex.Bytes(Rtcp128Protected), buffer[..length]);
    }

    [Theory]
    [InlineData(Key128, Rtcp128Protected)] // §17.1
    [InlineData(Key256, Rtcp256Protected)] // §17.2
    [InlineData(Key128, Rtcp128TagOnly)] // §17.3
    [InlineData(Key256, Rtcp256TagOnly)] // §17.4
    public void Srtcp_decryption(string key, string protectedHex)
    {
        using var direction = Direction(key);
        var packet = Hex.Bytes(protectedHex);
        Assert.Equal(SrtpResult.Ok, direction.UnprotectRtcp(packet, out var length));
        Assert.Equal(Hex.Bytes(RtcpPlain), packet[..length]);
        Assert.Equal(SrtpResult.Replayed, direction.UnprotectRtcp(Hex.Bytes(protectedHex), out _));
    }

    [Fact]
    public void Srtcp_tag_only_rejects_a_modified_body()
    {
        using var direction = Direction(Key128);
        var packet = Hex.Bytes(Rtcp128TagOnly);
        packet[30] ^= 0x40;
        Assert.Equal(SrtpResult.AuthFailed, direction.UnprotectRtcp(packet, out _));
    }
}
