using System.Text;
using Microsoft.Extensions.Logging;
using RtcStack.Stun;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Auth;

/// <summary>
/// The long-term credential mechanism (RFC 8489 §9.2.4) for static users and TURN REST API names
/// (<c>expiry:user</c>, password base64(HMAC-SHA1(secret, username))). On failure it answers itself
/// (400, 401, 438) and returns null; 401/438 challenges are rate-limited per source.
/// </summary>
internal sealed class Authenticator
{
    private readonly Dictionary<string, byte[]> _staticKeys = new(StringComparer.Ordinal);
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
            _staticKeys[name] = StunCredentials.ComputeLongTermKey(name, options.Realm, password);
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
        if (!message.HasMessageIntegrity)
        {
            _responder.SendChallenge(request, 401, "Unauthorized");
            return null;
        }
        if (!message.TryGetUsername(out ReadOnlySpan<byte> username) || !message.TryGetRealm(out ReadOnlySpan<byte> realm)
            || !message.TryGetNonce(out ReadOnlySpan<byte> nonce))
        {
            Fail(request, "missing USERNAME, REALM or NONCE");
            _responder.SendError(request, 400, "Bad Request");
            return null;
        }
        if (!realm.SequenceEqual(_realm))
        {
            return Challenge(request, 401, "Unauthorized", "wrong realm");
        }
        NonceStatus status = _nonces.Check(nonce, Policy.IpAddressValue.FromTransportAddress(request.FiveTuple.Client));
        if (status != NonceStatus.Valid)
        {
            return Challenge(request, 438, "Stale Nonce", status == NonceStatus.Stale ? "stale nonce" : "unknown nonce");
        }
        Credentials? credentials = Lookup(username);
        if (credentials is null)
        {
            return Challenge(request, 401, "Unauthorized", "unknown or expired user");
        }
        if (!message.VerifyMessageIntegrity(credentials.Key))
        {
            return Challenge(request, 401, "Unauthorized", "bad MESSAGE-INTEGRITY");
        }
        return credentials;
    }

    /// <summary>The credentials for a USERNAME: a static user first, then a REST name.</summary>
    internal Credentials? Lookup(ReadOnlySpan<byte> username)
    {
        if (username.IsEmpty || username.Length > 512)
        {
            return null;
        }
        string name = Encoding.UTF8.GetString(username);
        if (_staticKeys.TryGetValue(name, out byte[]? key))
        {
            return new Credentials(name, name, key);
        }
        if (_secret is null || TurnRestCredentials.CheckExpiry(username, _time.GetUtcNow()) != TurnRestValidationResult.Valid)
        {
            return null;
        }
        Span<byte> password = stackalloc byte[TurnRestCredentials.PasswordLength];
        int passwordLength = TurnRestCredentials.ComputePassword(_secret, username, password);
        byte[] restKey = new byte[StunCredentials.GetKeyLength(StunPasswordAlgorithm.Md5)];
        StunCredentials.ComputeLongTermKey(username, _realm, password[..passwordLength], StunPasswordAlgorithm.Md5, restKey);
        int colon = name.IndexOf(':', StringComparison.Ordinal);
        return new Credentials(name, colon >= 0 ? name[(colon + 1)..] : name, restKey);
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
