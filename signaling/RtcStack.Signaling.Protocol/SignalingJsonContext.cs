using System.Text.Json.Serialization;

namespace RtcStack.Signaling.Protocol;

/// <summary>Source-generated (reflection-free) JSON metadata for every wire type.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 32)]
[JsonSerializable(typeof(ClientMessage))]
[JsonSerializable(typeof(ServerMessage))]
public sealed partial class SignalingJsonContext : JsonSerializerContext;
