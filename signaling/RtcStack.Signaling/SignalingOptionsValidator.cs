using Microsoft.Extensions.Options;

namespace RtcStack.Signaling;

/// <summary>Checks <see cref="SignalingOptions"/> at start.</summary>
public sealed class SignalingOptionsValidator : IValidateOptions<SignalingOptions>
{
    public ValidateOptionsResult Validate(string? name, SignalingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.TokenSecret is not { Length: >= 32 })
        {
            failures.Add("Signaling:TokenSecret must be set to at least 32 characters (or start with --dev).");
        }
        if (options.ApiKey is { Length: > 0 and < 16 })
        {
            failures.Add("Signaling:ApiKey must be at least 16 characters when set.");
        }
        Positive(failures, options.RoomCapacity, nameof(options.RoomCapacity));
        Positive(failures, options.MaxRoomsPerSession, nameof(options.MaxRoomsPerSession));
        Positive(failures, options.Burst, nameof(options.Burst));
        Positive(failures, options.RateLimitCloseAfter, nameof(options.RateLimitCloseAfter));
        Positive(failures, options.MaxConnectionsPerIp, nameof(options.MaxConnectionsPerIp));
        Positive(failures, options.SendQueueMessages, nameof(options.SendQueueMessages));
        Positive(failures, options.ResumeWindowMs, nameof(options.ResumeWindowMs));
        Positive(failures, options.ResumeBufferMessages, nameof(options.ResumeBufferMessages));
        Positive(failures, options.ResumeBufferBytes, nameof(options.ResumeBufferBytes));
        Positive(failures, options.HeartbeatIntervalMs, nameof(options.HeartbeatIntervalMs));
        Positive(failures, options.HelloTimeoutMs, nameof(options.HelloTimeoutMs));
        Positive(failures, options.RingTimeoutMs, nameof(options.RingTimeoutMs));
        Positive(failures, options.TurnCredentialTtlSeconds, nameof(options.TurnCredentialTtlSeconds));
        if (options.MaxFrameBytes is < 1024 or > 16 * 1024 * 1024)
        {
            failures.Add("Signaling:MaxFrameBytes must be between 1024 and 16777216.");
        }
        if (!(options.MessagesPerSecond > 0))
        {
            failures.Add("Signaling:MessagesPerSecond must be positive.");
        }
        if (options.HeartbeatTimeoutMs <= options.HeartbeatIntervalMs)
        {
            failures.Add("Signaling:HeartbeatTimeoutMs must be greater than HeartbeatIntervalMs.");
        }
        if (options.InviteWebhook is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            failures.Add("Signaling:InviteWebhook must be an absolute URL.");
        }
        if (options.TurnUrls.Count > 0 && string.IsNullOrEmpty(options.TurnSecret))
        {
            failures.Add("Signaling:TurnUrls needs Turn:StaticAuthSecret.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, int value, string name)
    {
        if (value <= 0)
        {
            failures.Add($"Signaling:{name} must be positive.");
        }
    }
}
