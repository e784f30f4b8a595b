using System.Text.Json.Serialization;

namespace RtcStack.Signaling.Backplane;

/// <summary>Source-generated JSON for the types a distributed backplane stores or sends.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BackplaneEnvelope))]
[JsonSerializable(typeof(RoomMember))]
[JsonSerializable(typeof(SessionOwner))]
[JsonSerializable(typeof(ResumeState))]
public sealed partial class BackplaneJsonContext : JsonSerializerContext;
