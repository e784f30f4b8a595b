using System.Text.Json.Serialization;

namespace RtcStack.Server.Endpoints;

/// <summary>Source-generated JSON for the HTTP API.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ApiError))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
