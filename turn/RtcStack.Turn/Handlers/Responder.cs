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
    internal void Send(scoped in TurnRequest request, ref StunMessageWriter writer, Credentials? signer)
    {
        if (!Finish(ref writer, signer, request.Message.HasFingerprint, out int length))
        {
            return;
        }
        ReadOnlySpan<byte> response = request.Ingress.Scratch.AsSpan(0, length);
        request.Endpoint.Send(response);
        if (signer is not null)
        {
            cache.Add(request.FiveTuple, request.Message.TransactionId, response);
        }
    }

    /// <summary>Sends an unsigned error (400, 420, …) with no further attributes.</summary>
    internal void SendError(scoped in TurnRequest request, int code, string reason, Credentials? signer = null)
    {
        StunMessageWriter writer = Error(request, code, reason);
        Send(request, ref writer, signer);
    }

    /// <summary>
    /// Starts a message outside a receive loop (a Connect answered after the peer connection completes, a
    /// ConnectionAttempt indication), in the caller's buffer; finish it with <see cref="Finish"/>.
    /// </summary>
    internal StunMessageWriter Begin(Span<byte> buffer, StunMessageType type, TransactionId transactionId)
    {
        var writer = new StunMessageWriter(buffer, type, transactionId);
        if (options.Software is { } software)
        {
            writer.AddSoftware(software);
        }
        return writer;
    }

    /// <summary>
    /// MESSAGE-INTEGRITY-SHA256 or MESSAGE-INTEGRITY with the signer's key (the one its request used, RFC 8489
    /// §9.2.4), then FINGERPRINT when configured or the request had one; false when the message did not fit.
    /// </summary>
    internal bool Finish(ref StunMessageWriter writer, Credentials? signer, bool requestHadFingerprint, out int length)
    {
        if (signer is { Sha256: true })
        {
            writer.AddMessageIntegritySha256(signer.Key);
        }
        else if (signer is not null)
        {
            writer.AddMessageIntegrity(signer.Key);
        }
        if (options.Fingerprint || requestHadFingerprint)
        {
            writer.AddFingerprint();
        }
        return writer.TryComplete(out length);
    }

    /// <summary>
    /// 401 Unauthorized or 438 Stale Nonce with REALM, a fresh NONCE and PASSWORD-ALGORITHMS (RFC 8489 §9.2.4), unless the
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
        if ((nonces.Features & NonceService.PasswordAlgorithmsFeature) != 0)
        {
            writer.AddPasswordAlgorithms(Authenticator.Algorithms);
        }
        Send(request, ref writer, signer: null);
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
