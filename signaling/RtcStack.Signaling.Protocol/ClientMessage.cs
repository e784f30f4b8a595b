using System.Text.Json;
using System.Text.Json.Serialization;

namespace RtcStack.Signaling.Protocol;

/// <summary>
/// A client-to-server frame: one flat shape for every <see cref="Type"/> (the fields a type does not use are
/// null). <see cref="FrameParser.ParseClient"/> checks that the fields the type needs are present and valid.
/// JSON payloads the server relays untouched (<see cref="Meta"/>, <see cref="Candidate"/>, <see cref="Data"/>)
/// are <see cref="JsonElement"/>s: <c>ValueKind == Undefined</c> means the field was absent,
/// <c>Null</c> that it was an explicit JSON <c>null</c>.
/// </summary>
public sealed class ClientMessage
{
    public string? Type { get; set; }
    public string? Id { get; set; }
    public int? V { get; set; }
    public string? Token { get; set; }
    public string? Resume { get; set; }
    public long? LastSeq { get; set; }
    public string? Room { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JsonElement Meta { get; set; }
    public string? To { get; set; }
    public string? Sdp { get; set; }
    public bool? IceRestart { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JsonElement Candidate { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JsonElement Data { get; set; }
    public string? CallId { get; set; }
    public string? Reason { get; set; }
}
