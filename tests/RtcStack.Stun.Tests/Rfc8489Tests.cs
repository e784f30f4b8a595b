using System.Text;
using RtcStack.Stun.Tests.TestData;

namespace RtcStack.Stun.Tests;

/// <summary>RFC 8489 Appendix B.1 (Errata 6268): SHA-256 long-term key, USERHASH, MESSAGE-INTEGRITY-SHA256.</summary>
public sealed class Rfc8489Tests
{
    private static readonly byte[] Key = StunCredentials.ComputeLongTermKey(Rfc5769.LongTermUsername, Rfc5769.LongTermRealm, Rfc5769.LongTermPassword, StunPasswordAlgorithm.Sha256);

    [Fact]
    public void Appendix_b1_parses_and_verifies()
    {
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(Rfc8489.LongTermSha256Request, out StunMessageReader reader));
        Assert.True(reader.TryGetUserHash(out ReadOnlySpan<byte> userHash));
        Span<byte> expected = stackalloc byte[32];
        StunCredentials.ComputeUserHash(Encoding.UTF8.GetBytes(Rfc5769.LongTermUsername), Encoding.UTF8.GetBytes(Rfc5769.LongTermRealm), expected);
        Assert.True(userHash.SequenceEqual(expected));
        Assert.True(reader.TryGetNonce(out ReadOnlySpan<byte> nonce));
        Assert.Equal(Rfc8489.Nonce, Encoding.UTF8.GetString(nonce));
        Assert.True(reader.TryGetPasswordAlgorithm(out StunPasswordAlgorithm algorithm));
        Assert.Equal(StunPasswordAlgorithm.Sha256, algorithm);
        Assert.False(reader.HasMessageIntegrity);
        Assert.True(reader.VerifyMessageIntegritySha256(Key));
        Assert.False(reader.VerifyMessageIntegritySha256(StunCredentials.ComputeLongTermKey(Rfc5769.LongTermUsername, Rfc5769.LongTermRealm, Rfc5769.LongTermPassword)));
    }

    [Fact]
    public void Appendix_b1_is_produced_byte_for_byte()
    {
        Span<byte> userHash = stackalloc byte[32];
        StunCredentials.ComputeUserHash(Encoding.UTF8.GetBytes(Rfc5769.LongTermUsername), Encoding.UTF8.GetBytes(Rfc5769.LongTermRealm), userHash);
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Rfc8489.LongTermSha256Request.AsSpan(8, 12));
        writer.AddUserHash(userHash);
        writer.AddNonce(Rfc8489.Nonce);
        writer.AddRealm(Rfc5769.LongTermRealm);
        writer.AddPasswordAlgorithm(StunPasswordAlgorithm.Sha256);
        writer.AddMessageIntegritySha256(Key);
        Assert.True(writer.TryComplete(out int length));
        Assert.Equal(Rfc8489.LongTermSha256Request, buffer[..length]);
    }
}
