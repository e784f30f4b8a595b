using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RtcStack.Signaling.Tests.Infrastructure;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Signaling.Tests;

public sealed class TokenTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef";
    private readonly ManualTimeProvider _time = new();

    private TokenService Service(string secret = Secret) =>
        new(Options.Create(new SignalingOptions { TokenSecret = secret }), _time);

    [Fact]
    public async Task A_minted_token_validates_with_its_claims()
    {
        TokenService tokens = Service();
        MintedToken minted = tokens.Mint("alice", ["demo", "other"], Permissions.Publish | Permissions.Admin, TimeSpan.FromMinutes(5));
        TokenValidation v = await tokens.ValidateAsync(minted.Token);
        Assert.Equal(TokenStatus.Valid, v.Status);
        Assert.Equal("alice", v.Claims!.Subject);
        Assert.Equal(["demo", "other"], v.Claims.Rooms);
        Assert.Equal(Permissions.Publish | Permissions.Admin, v.Claims.Permissions);
        Assert.Equal(minted.ExpiresAt, v.Claims.ExpiresAt.ToUnixTimeMilliseconds() + (minted.ExpiresAt % 1000));
        Assert.True(v.Claims.AllowsRoom("demo"));
        Assert.False(v.Claims.AllowsRoom("third"));
    }

    [Fact]
    public async Task A_single_room_and_the_wildcard_work()
    {
        TokenService tokens = Service();
        TokenValidation v = await tokens.ValidateAsync(tokens.Mint("bob", ["*"], Permissions.None, TimeSpan.FromMinutes(1)).Token);
        Assert.True(v.Claims!.AllowsRoom("anything"));
        Assert.Equal(Permissions.None, v.Claims.Permissions);
    }

    [Fact]
    public async Task An_expired_token_is_expired()
    {
        TokenService tokens = Service();
        string token = tokens.Mint("alice", ["demo"], Permissions.Publish, TimeSpan.FromMinutes(1)).Token;
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TokenStatus.Expired, (await tokens.ValidateAsync(token)).Status);
    }

    [Fact]
    public async Task A_tampered_token_is_invalid()
    {
        TokenService tokens = Service();
        string token = tokens.Mint("alice", ["demo"], Permissions.Publish, TimeSpan.FromMinutes(1)).Token;
        string[] parts = token.Split('.');
        string payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("alice", "mallo", StringComparison.Ordinal);
        string forged = parts[0] + "." + Base64UrlEncoder.Encode(payload) + "." + parts[2];
        Assert.Equal(TokenStatus.Invalid, (await tokens.ValidateAsync(forged)).Status);
        Assert.Equal(TokenStatus.Invalid, (await tokens.ValidateAsync(token[..^2] + "xx")).Status);
    }

    [Fact]
    public async Task A_token_signed_with_another_secret_is_invalid()
    {
        string token = Service("another-secret-another-secret-123").Mint("alice", ["demo"], Permissions.Publish, TimeSpan.FromMinutes(1)).Token;
        Assert.Equal(TokenStatus.Invalid, (await Service().ValidateAsync(token)).Status);
    }

    [Theory]
    [InlineData("rtcstack", "someone-else")]
    [InlineData("someone-else", "rtcstack")]
    public async Task Wrong_issuer_or_audience_is_invalid(string issuer, string audience)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Expires = _time.GetUtcNow().UtcDateTime.AddMinutes(5),
            IssuedAt = _time.GetUtcNow().UtcDateTime,
            NotBefore = _time.GetUtcNow().UtcDateTime,
            Claims = new Dictionary<string, object> { ["sub"] = "alice", ["rooms"] = new[] { "demo" } },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)), SecurityAlgorithms.HmacSha256),
        };
        string token = new JsonWebTokenHandler().CreateToken(descriptor);
        Assert.Equal(TokenStatus.Invalid, (await Service().ValidateAsync(token)).Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a.b.c")]
    [InlineData("not a token")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.")]
    public async Task Garbage_is_invalid(string? token) =>
        Assert.Equal(TokenStatus.Invalid, (await Service().ValidateAsync(token)).Status);
}
