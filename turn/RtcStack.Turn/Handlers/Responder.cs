using RtcStack.Stun;
using RtcStack.Turn.Auth;

namespace RtcStack.Turn.Handlers;

/// <summary>
/// Writes and sends responses (RFC 8489 §6.3): SOFTWARE first when configured, then the handler's
/// attributes, then MESSAGE-INTEGRITY with the requester's key, then FINGERPRINT. Responses to
/// authenticated requests are remembered in the <see cref="TransactionCache"/>.
/// </summary>
internal sealed class Responder(TurnOptions options, NonceService nonces, ChallengeRateLimiter limiter, TransactionCache cache)
{
    private readonly string _realm = options.Realm;

    /// <summary>Starts a success response to the request, in its scratch buffer.</summary>
    internal StunMessageWriter Success(scoped in TurnRequest request) => Begin(request, StunClass.SuccessResponse);

    /// <summary>Starts an error response with ERROR-CODE.</summary>
    internal StunMessageWriter Error(scoped in TurnRequest request, int code, string reason)
    {
        StunMessageWriter writer = Begin(request, StunClass.ErrorResponse);
        writer.AddErrorCode(code, reason);
        return writer;
    }

    /// <summary>Adds MESSAGE-INTEGRITY (when a key is given) and FINGERPRINT, sends, and caches when signed.</summary>
    internal void Send(scoped in TurnRequest request, ref StunMessageWriter writer, byte[]? key)
    {
        if (key is not null)
        {
            writer.AddMessageIntegrity(key);
        }
        if (options.Fingerprint || request.Message.HasFingerprint)
        {
            writer.AddFingerprint();
        }
        if (!writer.TryComplete(out int length))
        {
            return;
        }
        ReadOnlySpan<byte> response = request.Ingress.Scratch.AsSpan(0, length);
        request.Endpoint.Send(response);
        if (key is not null)
        {
            cache.Add(request.FiveTuple, request.Message.TransactionId, response);
        }
    }

    /// <summary>Sends an unsigned error (400, 420, …) with no further attributes.</summary>
    internal void SendError(scoped in TurnRequest request, int code, string reason, byte[]? key = null)
    {
        StunMessageWriter writer = Error(request, code, reason);
        Send(request, ref writer, key);
    }

    /// <summary>
    /// 401 Unauthorized or 438 Stale Nonce with REALM and a fresh NONCE (RFC 8489 §9.2.4), unless the
    /// source is over its challenge rate; then nothing is sent. Returns whether a challenge went out.
    /// </summary>
    internal bool SendChallenge(scoped in TurnRequest request, int code, string reason)
    {
        UInt128 source = Policy.IpAddressValue.FromTransportAddress(request.FiveTuple.Client);
        if (!limiter.TryAcquire(source))
        {
            return false;
        }
        StunMessageWriter writer = Error(request, code, reason);
        writer.AddRealm(_realm);
        Span<byte> nonce = stackalloc byte[NonceService.EncodedLength];
        writer.AddNonce(nonce[..nonces.Write(nonce, source)]);
        Send(request, ref writer, key: null);
        return true;
    }

    private StunMessageWriter Begin(scoped in TurnRequest request, StunClass cls)
    {
        var writer = new StunMessageWriter(request.Ingress.Scratch, new StunMessageType(request.Message.Method, cls), request.Message.TransactionIdBytes);
        if (options.Software is { } software)
        {
            writer.AddSoftware(software);
        }
        return writer;
    }
}
