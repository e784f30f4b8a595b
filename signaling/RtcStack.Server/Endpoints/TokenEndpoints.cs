using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RtcStack.Server.Hosting;
using RtcStack.Signaling;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Server.Endpoints;

/// <summary>
/// <c>POST /api/tokens</c> (header <c>Authorization: Bearer &lt;Signaling:ApiKey&gt;</c>; 404 when no key is
/// configured) and, only in dev mode, <c>GET /api/dev-token?sub=&amp;room=&amp;perm=&amp;ttl=</c>.
/// </summary>
internal static class TokenEndpoints
{
    public const int MaxTtlSeconds = 7 * 24 * 3600;

    public static void MapTokenEndpoints(this IEndpointRouteBuilder app, bool dev)
    {
        app.MapPost("/api/tokens", (HttpContext context, TokenRequest? body, TokenService tokens, IOptions<SignalingOptions> options, ILogger<TokenService> logger) =>
        {
            string? key = options.Value.ApiKey;
            if (string.IsNullOrEmpty(key))
            {
                return Results.NotFound();
            }
            if (!ApiKeyMatches(context.Request.Headers.Authorization.ToString(), key))
            {
                ServerLog.BadApiKey(logger, context.Connection.RemoteIpAddress?.ToString());
                return Results.Json(new ApiError("unauthorized", "missing or wrong API key"), ServerJsonContext.Default.ApiError, statusCode: StatusCodes.Status401Unauthorized);
            }
            return Mint(tokens, logger, body?.Sub, body?.Rooms, body?.Perms, body?.TtlSeconds);
        });
        if (dev)
        {
            app.MapGet("/api/dev-token", (string? sub, string[]? room, string[]? perm, int? ttl, TokenService tokens, ILogger<TokenService> logger) =>
                Mint(tokens, logger, sub ?? "dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
                    room is { Length: > 0 } ? room : ["*"], perm is { Length: > 0 } ? perm : ["publish", "subscribe"], ttl));
        }
    }

    private static IResult Mint(TokenService tokens, ILogger logger, string? sub, IReadOnlyCollection<string>? rooms, IReadOnlyCollection<string>? perms, int? ttlSeconds)
    {
        if (!SignalingProtocol.IsValidPeerId(sub))
        {
            return BadRequest("sub must be 1-128 characters of A-Z a-z 0-9 _ - . @ :");
        }
        rooms ??= [];
        if (rooms.Any(r => r != "*" && !SignalingProtocol.IsValidRoom(r)))
        {
            return BadRequest("each room must be \"*\" or 1-64 characters of A-Z a-z 0-9 _ - .");
        }
        int ttl = ttlSeconds ?? 3600;
        if (ttl is <= 0 or > MaxTtlSeconds)
        {
            return BadRequest($"ttlSeconds must be between 1 and {MaxTtlSeconds}");
        }
        MintedToken minted = tokens.Mint(sub, rooms, TokenService.ParsePermissions(perms ?? []), TimeSpan.FromSeconds(ttl));
        ServerLog.TokenMinted(logger, sub, minted.ExpiresAt);
        return Results.Json(new TokenResponse(minted.Token, minted.ExpiresAt), ServerJsonContext.Default.TokenResponse);
    }

    private static IResult BadRequest(string message) =>
        Results.Json(new ApiError("bad-request", message), ServerJsonContext.Default.ApiError, statusCode: StatusCodes.Status400BadRequest);

    private static bool ApiKeyMatches(string authorization, string key)
    {
        const string Prefix = "Bearer ";
        if (!authorization.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[Prefix.Length..].Trim()));
        byte[] expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }
}
