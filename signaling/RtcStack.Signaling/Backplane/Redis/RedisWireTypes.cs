using System.Text.Json.Serialization;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>A handover request on the owner's node channel (after every delivery routed there before it); the answer goes to <c>reply:{ReplyTo}</c>.</summary>
internal sealed class RedisHandoverRequest
{
    public string RequestId { get; set; } = "";

    public string ReplyTo { get; set; } = "";

    public string Peer { get; set; } = "";

    public string? ResumeSessionId { get; set; }
}

/// <summary>The owner's answer to a <see cref="RedisHandoverRequest"/>; <see cref="State"/> is null when it cannot resume.</summary>
internal sealed class RedisHandoverReply
{
    public string RequestId { get; set; } = "";

    public ResumeState? State { get; set; }
}

/// <summary>Source-generated JSON for what the Redis backplane sends between nodes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 64)]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(BackplaneEnvelope))]
[JsonSerializable(typeof(RedisHandoverRequest))]
[JsonSerializable(typeof(RedisHandoverReply))]
[JsonSerializable(typeof(CallState))]
internal sealed partial class RedisBackplaneJsonContext : JsonSerializerContext;
