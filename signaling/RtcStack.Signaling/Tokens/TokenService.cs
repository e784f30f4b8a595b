using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Tokens;

/// <summary>
/// Mints and validates the HS256 JWTs of docs/protocol.md ("Tokens"): <c>iss</c> and <c>aud</c> are
/// <c>rtcstack</c>; claims <c>sub</c>, <c>rooms</c>, <c>perms</c>, <c>exp</c>, <c>iat</c>.
/// </summary>
public sealed class TokenService
{
    public const string Issuer = "rtcstack";
    public const string Audience = "rtcstack";
    private const int MaxTokenLength = 8192;

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SymmetricSecurityKey _key;
    private readonly TimeProvider _time;
    private readonly TokenValidationParameters _parameters;

    public TokenService(IOptions<SignalingOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        string secret = options.Value.TokenSecret ?? throw new InvalidOperationException("Signaling:TokenSecret is not set");
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        _time = time;
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateLifetime = false, // checked below against the TimeProvider
            RequireExpirationTime = true,
            RequireSignedTokens = true,
        };
    }

    /// <summary>Mints a token for <paramref name="subject"/>.</summary>
    public MintedToken Mint(string subject, IEnumerable<string> rooms, Permissions permissions, TimeSpan ttl)
    {
        if (!SignalingProtocol.IsValidPeerId(subject))
        {
            throw new ArgumentException("invalid peer id", nameof(subject));
        }
        DateTime now = _time.GetUtcNow().UtcDateTime;
        DateTime expires = now + ttl;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            Expires = expires,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            Claims = new Dictionary<string, object>
            {
                ["rooms"] = rooms.ToArray(),
                ["perms"] = PermissionNames(permissions),
            },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        };
        string token = _handler.CreateToken(descriptor);
        return new MintedToken(token, new DateTimeOffset(expires).ToUnixTimeMilliseconds());
    }

    /// <summary>Checks signature, issuer, audience, expiry and claims. Never throws for bad input.</summary>
    public async ValueTask<TokenValidation> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return new TokenValidation(TokenStatus.Invalid, null);
        }
        TokenValidationResult result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return new TokenValidation(TokenStatus.Invalid, null);
        }
        if (!jwt.TryGetPayloadValue("sub", out string? sub) || !SignalingProtocol.IsValidPeerId(sub)
            || !jwt.TryGetPayloadValue("exp", out long exp))
        {
            return new TokenValidation(TokenStatus.Invalid, null);
        }
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp);
        if (expiresAt <= _time.GetUtcNow())
        {
            return new TokenValidation(TokenStatus.Expired, null);
        }
        string[] rooms = ReadStrings(jwt, "rooms");
        Permissions perms = Permissions.None;
        foreach (string p in ReadStrings(jwt, "perms"))
        {
            perms |= p switch
            {
                "publish" => Permissions.Publish,
                "subscribe" => Permissions.Subscribe,
                "admin" => Permissions.Admin,
                _ => Permissions.None,
            };
        }
        return new TokenValidation(TokenStatus.Valid, new PeerClaims(sub, rooms, perms, expiresAt));
    }

    /// <summary>Parses <c>publish,subscribe,admin</c> names; unknown names are ignored.</summary>
    public static Permissions ParsePermissions(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        Permissions perms = Permissions.None;
        foreach (string name in names)
        {
            if (Enum.TryParse(name, ignoreCase: true, out Permissions p))
            {
                perms |= p;
            }
        }
        return perms;
    }

    private static string[] PermissionNames(Permissions permissions)
    {
        var names = new List<string>(3);
        if (permissions.HasFlag(Permissions.Publish))
        {
            names.Add("publish");
        }
        if (permissions.HasFlag(Permissions.Subscribe))
        {
            names.Add("subscribe");
        }
        if (permissions.HasFlag(Permissions.Admin))
        {
            names.Add("admin");
        }
        return [.. names];
    }

    private static string[] ReadStrings(JsonWebToken jwt, string claim)
    {
        if (jwt.TryGetPayloadValue(claim, out string[]? values) && values is not null)
        {
            return values;
        }
        return jwt.TryGetPayloadValue(claim, out string? single) && single is not null ? [single] : [];
    }
}
