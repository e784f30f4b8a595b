using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Client;

/// <summary>The Polly retry pipeline used to reconnect: exponential backoff with jitter, capped.</summary>
internal static class ReconnectPipeline
{
    public static ResiliencePipeline Create(SignalingClientOptions options, ILogger logger)
    {
        var retry = new RetryStrategyOptions
        {
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.ReconnectBaseDelay,
            MaxDelay = options.ReconnectMaxDelay,
            MaxRetryAttempts = Math.Max(1, options.MaxReconnectAttempts),
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } ex && !args.Context.CancellationToken.IsCancellationRequested && IsTransient(ex, options)),
            OnRetry = args =>
            {
                ClientLog.ReconnectFailed(logger, args.Outcome.Exception, args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        };
        return new ResiliencePipelineBuilder().AddRetry(retry).Build();
    }

    /// <summary>
    /// A failed connect attempt is retried unless the server refused the identity itself (bad token,
    /// protocol violation); an expired token is retried only when a token provider can mint a new one.
    /// </summary>
    public static bool IsTransient(Exception exception, SignalingClientOptions options) => exception switch
    {
        SignalingException { Code: ErrorCodes.InvalidToken or ErrorCodes.ProtocolViolation or ErrorCodes.NotAuthenticated } => false,
        SignalingException { Code: ErrorCodes.TokenExpired } => options.TokenProvider is not null,
        _ => true,
    };

    /// <summary>Close codes after which reconnecting would be wrong or pointless.</summary>
    public static bool IsFinalClose(int? closeStatus) => closeStatus is CloseCodes.Normal
        or CloseCodes.InvalidToken or CloseCodes.ProtocolViolation or CloseCodes.Replaced or CloseCodes.RateLimitAbuse
        or CloseCodes.InvalidMessageType or CloseCodes.MessageTooBig;
}
