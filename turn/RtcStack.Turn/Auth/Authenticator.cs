using System.Text;
using Microsoft.Extensions.Logging;
using RtcStack.Stun;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Auth;

/// <summary>
/// The long-term credential mechanism (RFC 8489 §9.2) for static users and TURN REST API names
/// (<c>expiry:user</c>, password base64(HMAC-SHA1(secret, username))). RFC 8489 additions: MESSAGE-INTEGRITY-SHA256
/// (checked instead of MESSAGE-INTEGRITY when present, and used to sign the answer), PASSWORD-ALGORITHMS /
/// PASSWORD-ALGORITHM negotiation (MD5 or SHA-256 keys; announced by the nonce cookie) and USERHASH for static
/// users. Clients of RFC 5389/5766 (coturn's) keep MESSAGE-INTEGRITY with MD5 keys. On failure it answers itself
/// (400, 401, 438) and returns null; 401/438 challenges are rate-limited per source.
/// </summary>
internal sealed class Authenticator
{
    /// <summary>The algorithms listed in PASSWORD-ALGORITHMS, in order of preference (RFC 8489 §14.11).</summary>
    internal static readonly StunPasswordAlgorithm[] Algorithms = [StunPasswordAlgorithm.Sha256, StunPasswordAlgorithm.Md5];

    private readonly Dictionary<string, (byte[] Md5, byte[] Sha256)> _staticKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _userHashes = new(StringComparer.Ordinal);
    private readonly byte[]? _secret;
    private readonly byte[] _realm;
    private readonly NonceService _nonces;
    private readonly Responder _responder;
    private readonly TimeProvider _time;
    private readonly TurnMetrics _metrics;
    private readonly ILogger _logger;

    internal Authenticator(TurnOptions options, NonceService nonces, Responder responder, TimeProvider time, TurnMetrics metrics, ILogger logger)
    {
        foreach ((string name, string password) in options.Users)
        {
            _staticKeys[name] = (StunCredentials.ComputeLongTermKey(name, options.Realm, password),
                StunCredentials.ComputeLongTermKey(name, options.Realm, password, StunPasswordAlgorithm.Sha256));
            byte[] hash = new byte[32];
            StunCredentials.ComputeUserHash(Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(options.Realm), hash);
            _userHashes[Convert.ToHexString(hash)] = name;
        }
        _secret = string.IsNullOrEmpty(options.StaticAuthSecret) ? null : Encoding.UTF8.GetBytes(options.StaticAuthSecret);
        _realm = Encoding.UTF8.GetBytes(options.Realm);
        _nonces = nonces;
        _responder = responder;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Checks the request; null when it was answered with an error or dropped.</summary>
    internal Credentials? Authenticate(scoped in TurnRequest request)
    {
        StunMessageReader message = request.Message;
        bool sha256 = message.HasMessageIntegritySha256;
        if (!message.HasMessageIntegrity && !sha256)
        {
            _responder.SendChallenge(request, 401, "Unauthorized");
            return null;
        }
        bool hasName = message.TryGetUsername(out ReadOnlySpan<byte> username);
        bool hasHash = message.TryGetUserHash(out ReadOnlySpan<byte> userHash);
        if (!(hasName || hasHash) || !message.TryGetRealm(out ReadOnlySpan<byte> realm) || !message.TryGetNonce(out ReadOnlySpan<byte> nonce))
        {
            return BadRequest(request, "missing USERNAME, REALM or NONCE");
        }
        if (!realm.SequenceEqual(_realm))
        {
            return Challenge(request, 401, "Unauthorized", "wrong realm");
        }
        NonceStatus status = _nonces.Check(nonce, Policy.IpAddressValue.FromTransportAddress(request.FiveTuple.Client), out int features);
        if (status != NonceStatus.Valid)
        {
            return Challenge(request, 438, "Stale Nonce", status == NonceStatus.Stale ? "stale nonce" : "unknown nonce");
        }
        if (!TryChooseAlgorithm(message, features, out StunPasswordAlgorithm algorithm))
        {
            return BadRequest(request, "PASSWORD-ALGORITHMS or PASSWORD-ALGORITHM do not match");
        }
        Credentials? credentials = hasName ? Lookup(username, algorithm) : LookupHash(userHash, algorithm);
        if (credentials is null)
        {
            return Challenge(request, 401, "Unauthorized", "unknown or expired user");
        }
        bool verified = sha256 ? message.VerifyMessageIntegritySha256(credentials.Key) : message.VerifyMessageIntegrity(credentials.Key);
        if (!verified)
        {
            return Challenge(request, 401, "Unauthorized", sha256 ? "bad MESSAGE-INTEGRITY-SHA256" : "bad MESSAGE-INTEGRITY");
        }
        return sha256 ? credentials with { Sha256 = true } : credentials;
    }

    /// <summary>
    /// RFC 8489 §9.2.4: with the password-algorithms feature in the nonce, a request that names neither attribute uses
    /// MD5; otherwise both must be present, PASSWORD-ALGORITHMS must be the list the server sent and PASSWORD-ALGORITHM
    /// one of it (else 400). Without the feature the key is MD5.
    /// </summary>
    internal static bool TryChooseAlgorithm(StunMessageReader message, int features, out StunPasswordAlgorithm algorithm)
    {
        algorithm = StunPasswordAlgorithm.Md5;
        if ((features & NonceService.PasswordAlgorithmsFeature) == 0)
        {
            return true;
        }
        bool hasList = message.Contains(StunAttributeType.PasswordAlgorithms);
        bool hasChoice = message.Contains(StunAttributeType.PasswordAlgorithm);
        if (!hasList && !hasChoice)
        {
            return true;
        }
        Span<StunPasswordAlgorithm> listed = stackalloc StunPasswordAlgorithm[4];
        int count = message.GetPasswordAlgorithms(listed);
        if (!hasList || !hasChoice || count != Algorithms.Length || !listed[..count].SequenceEqual(Algorithms)
            || !message.TryGetPasswordAlgorithm(out algorithm) || Array.IndexOf(Algorithms, algorithm) < 0)
        {
            return false;
        }
        return true;
    }

    /// <summary>The credentials for a USERNAME: a static user first, then a REST name; the key for <paramref name="algorithm"/>.</summary>
    internal Credentials? Lookup(ReadOnlySpan<byte> username, StunPasswordAlgorithm algorithm = StunPasswordAlgorithm.Md5)
    {
        if (username.IsEmpty || username.Length > 512)
        {
            return null;
        }
        string name = Encoding.UTF8.GetString(username);
        if (_staticKeys.TryGetValue(name, out (byte[] Md5, byte[] Sha256) keys))
        {
            return new Credentials(name, name, algorithm == StunPasswordAlgorithm.Sha256 ? keys.Sha256 : keys.Md5);
        }
        if (_secret is null || TurnRestCredentials.CheckExpiry(username, _time.GetUtcNow()) != TurnRestValidationResult.Valid)
        {
            return null;
        }
        Span<byte> password = stackalloc byte[TurnRestCredentials.PasswordLength];
        int passwordLength = TurnRestCredentials.ComputePassword(_secret, username, password);
        byte[] restKey = new byte[StunCredentials.GetKeyLength(algorithm)];
        StunCredentials.ComputeLongTermKey(username, _realm, password[..passwordLength], algorithm, restKey);
        int colon = name.IndexOf(':', StringComparison.Ordinal);
        return new Credentials(name, colon >= 0 ? name[(colon + 1)..] : name, restKey);
    }

    /// <summary>USERHASH (RFC 8489 §14.4): static users only (a REST name cannot be recovered from its hash).</summary>
    private Credentials? LookupHash(ReadOnlySpan<byte> userHash, StunPasswordAlgorithm algorithm) =>
        _userHashes.TryGetValue(Convert.ToHexString(userHash), out string? name) ? Lookup(Encoding.UTF8.GetBytes(name), algorithm) : null;

    private Credentials? BadRequest(scoped in TurnRequest request, string why)
    {
        Fail(request, why);
        _responder.SendError(request, 400, "Bad Request");
        return null;
    }

    private Credentials? Challenge(scoped in TurnRequest request, int code, string reason, string why)
    {
        Fail(request, why);
        _responder.SendChallenge(request, code, reason);
        return null;
    }

    private void Fail(scoped in TurnRequest request, string why)
    {
        _metrics.AuthFailure(why);
        TurnLog.AuthFailed(_logger, request.FiveTuple.Client, why);
    }
}
