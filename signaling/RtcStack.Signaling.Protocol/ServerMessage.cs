using System.Text.Json;
using System.Text.Json.Serialization;

namespace RtcStack.Signaling.Protocol;

/// <summary>
/// A server-to-client frame: one flat shape for every <see cref="Type"/>; null fields are not written.
/// Clients read it with <see cref="FrameParser.ParseServer"/>; the server writes it with
/// <see cref="FrameWriter"/>. <see cref="Candidate"/> holds a JSON <c>null</c> element for end-of-candidates.
/// </summary>
public sealed class ServerMessage
{
    public string Type { get; set; } = "";
    public string? Re { get; set; }
    public long? Seq { get; set; }
    public int? V { get; set; }
    public string? Session { get; set; }
    public string? Peer { get; set; }
    public string? ResumeToken { get; set; }
    public int? ResumeWindowMs { get; set; }
    public bool? Resumed { get; set; }
    public IReadOnlyList<string>? Rooms { get; set; }
    public HeartbeatInfo? Heartbeat { get; set; }
    public IReadOnlyList<IceServerInfo>? IceServers { get; set; }
    public LimitsInfo? Limits { get; set; }
    public long? ExpiresAt { get; set; }
    public string? Room { get; set; }
    public MemberInfo? Self { get; set; }
    public IReadOnlyList<MemberInfo>? Members { get; set; }
    public JsonElement? Meta { get; set; }
    public string? Reason { get; set; }

    /// <summary><c>member-joined</c> only: <c>true</c> when a presence repair sends it (the link must be rebuilt).</summary>
    public bool? Restored { get; set; }
    public string? From { get; set; }
    public string? Sdp { get; set; }
    public bool? IceRestart { get; set; }
    public JsonElement? Candidate { get; set; }
    public JsonElement? Data { get; set; }
    public string? CallId { get; set; }
    public string? Code { get; set; }
    public string? Message { get; set; }
    public int? ReconnectInMs { get; set; }

    /// <summary>
    /// Server side only, never serialized: the frame's fields after <c>seq</c> already written by
    /// <see cref="RelayFrameCodec.WriteBody"/> (the relay fast path); the per-recipient frame is then
    /// <see cref="RelayFrameCodec.Stamp"/> of <see cref="Type"/>, the recipient's seq and this body, and the payload
    /// properties (<see cref="Sdp"/>, <see cref="Candidate"/>, <see cref="Data"/>) are left unset.
    /// </summary>
    [JsonIgnore]
    public byte[]? PreparedBody { get; set; }

    /// <summary>A shallow copy (used to stamp a per-recipient <see cref="Seq"/>).</summary>
    public ServerMessage Clone() => (ServerMessage)MemberwiseClone();
}
