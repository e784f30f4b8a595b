using System.Security.Cryptography;
using System.Text;

namespace RtcStack.Stun.Tests;

public sealed class CredentialsTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("north-wind");

    [Fact]
    public void Long_term_md5_key_is_md5_of_username_realm_password()
    {
        byte[] key = StunCredentials.ComputeLongTermKey("user", "realm", "pass");
        Assert.Equal(MD5.HashData("user:realm:pass"u8), key);
        byte[] sha = StunCredentials.ComputeLongTermKey("user", "realm", "pass", StunPasswordAlgorithm.Sha256);
        Assert.Equal(SHA256.HashData("user:realm:pass"u8), sha);
        Span<byte> hash = stackalloc byte[32];
        Assert.Equal(32, StunCredentials.ComputeUserHash("user"u8, "realm"u8, hash));
        Assert.Equal(SHA256.HashData("user:realm"u8), hash.ToArray());
        Assert.Equal(0, StunCredentials.ComputeLongTermKey("a"u8, "b"u8, "c"u8, (StunPasswordAlgorithm)9, hash));
    }

    [Fact]
    public void Rest_password_matches_the_coturn_formula()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        TurnRestCredential credential = TurnRestCredentials.Mint(Secret, "alice", now.AddHours(1));
        Assert.Equal("1700003600:alice", credential.Username);
        string expected = Convert.ToBase64String(HMACSHA1.HashData(Secret, Encoding.UTF8.GetBytes(credential.Username)));
        Assert.Equal(expected, credential.Password);
        Assert.Equal(TurnRestCredentials.PasswordLength, credential.Password.Length);
        Assert.DoesNotContain(credential.Password, credential.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1700003600:alice", null, 0, TurnRestValidationResult.Valid)]
    [InlineData("1700003600", null, 0, TurnRestValidationResult.Valid)]
    [InlineData("1700003600:alice:with:colons", null, 0, TurnRestValidationResult.Valid)]
    [InlineData("1700003600:alice", null, 7200, TurnRestValidationResult.Expired)]
    [InlineData("1700003600:alice", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0, TurnRestValidationResult.WrongPassword)]
    [InlineData("1700003600:alice", "short", 0, TurnRestValidationResult.WrongPassword)]
    [InlineData("alice", null, 0, TurnRestValidationResult.Malformed)]
    [InlineData(":alice", null, 0, TurnRestValidationResult.Malformed)]
    [InlineData("-5:alice", null, 0, TurnRestValidationResult.Malformed)]
    [InlineData("99999999999999999999:alice", null, 0, TurnRestValidationResult.Malformed)]
    public void Rest_validation_table(string username, string? password, int secondsLater, TurnRestValidationResult expected)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddSeconds(secondsLater);
        password ??= Convert.ToBase64String(HMACSHA1.HashData(Secret, Encoding.UTF8.GetBytes(username)));
        Assert.Equal(expected, TurnRestCredentials.Validate("north-wind", username, password, now));
    }

    [Fact]
    public void Minted_credential_authenticates_a_stun_request_end_to_end()
    {
        TurnRestCredential credential = TurnRestCredentials.Mint("north-wind", "bob", TimeSpan.FromMinutes(5));
        byte[] clientKey = StunCredentials.ComputeLongTermKey(credential.Username, "rtc", credential.Password);
        byte[] message = AttributeTableTests.Build(null, (ref StunMessageWriter w) =>
        {
            w.AddUsername(credential.Username);
            w.AddRealm("rtc");
            w.AddNonce("n"u8);
            w.AddMessageIntegrity(clientKey);
        });

        // What a server does: expiry from USERNAME, password from the secret, key, then integrity.
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Assert.True(reader.TryGetUsername(out ReadOnlySpan<byte> username));
        Assert.Equal(TurnRestValidationResult.Valid, TurnRestCredentials.CheckExpiry(username, DateTimeOffset.UtcNow));
        Span<byte> password = stackalloc byte[TurnRestCredentials.PasswordLength];
        TurnRestCredentials.ComputePassword(Secret, username, password);
        Span<byte> key = stackalloc byte[16];
        StunCredentials.ComputeLongTermKey(username, "rtc"u8, password, StunPasswordAlgorithm.Md5, key);
        Assert.True(reader.VerifyMessageIntegrity(key));
    }
}
