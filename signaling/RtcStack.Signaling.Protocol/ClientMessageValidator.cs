using System.Text.Json;

namespace RtcStack.Signaling.Protocol;

/// <summary>Checks that a client message carries the fields its type needs (docs/protocol.md, "Client → server").</summary>
internal static class ClientMessageValidator
{
    /// <summary>Returns null when valid, else a human message and the error <paramref name="code"/>.</summary>
    public static string? Validate(ClientMessage m, out string code)
    {
        code = ErrorCodes.BadRequest;
        if (m.Type is null)
        {
            return "missing type";
        }
        switch (m.Type)
        {
            case MessageTypes.Hello:
                if (m.V != SignalingProtocol.Version)
                {
                    code = ErrorCodes.ProtocolViolation;
                    return "hello.v must be 1";
                }
                return string.IsNullOrEmpty(m.Token) ? "hello needs token"
                    : m.LastSeq is < 0 ? "lastSeq must not be negative" : null;
            case MessageTypes.Refresh:
                return string.IsNullOrEmpty(m.Token) ? "refresh needs token" : null;
            case MessageTypes.Join:
                return Room(m) ?? Meta(m.Meta, required: false);
            case MessageTypes.Leave:
                return Room(m);
            case MessageTypes.Update:
                return Room(m) ?? Meta(m.Meta, required: true);
            case MessageTypes.Offer:
            case MessageTypes.Answer:
                return Room(m) ?? Target(m.To, required: true) ?? (m.Sdp is null ? $"{m.Type} needs sdp" : null);
            case MessageTypes.Candidate:
                return Room(m) ?? Target(m.To, required: true) ?? (m.Candidate.ValueKind switch
                {
                    JsonValueKind.Object or JsonValueKind.Null => null,
                    JsonValueKind.Undefined => "candidate needs candidate (an object, or null for end-of-candidates)",
                    _ => "candidate must be an object or null",
                });
            case MessageTypes.Message:
                return Room(m) ?? Target(m.To, required: false)
                    ?? (m.Data.ValueKind == JsonValueKind.Undefined ? "message needs data" : null);
            case MessageTypes.Invite:
                return Target(m.To, required: true) ?? Room(m) ?? Meta(m.Meta, required: false);
            case MessageTypes.Ringing:
            case MessageTypes.Accept:
            case MessageTypes.Cancel:
            case MessageTypes.Hangup:
                return CallId(m);
            case MessageTypes.Decline:
                return CallId(m) ?? (m.Reason is { Length: > SignalingProtocol.MaxShortStringLength } ? "reason is too long" : null);
            case MessageTypes.Ping:
                return m.LastSeq is < 0 ? "lastSeq must not be negative" : null;
            case MessageTypes.Bye:
                return null;
            default:
                code = ErrorCodes.UnknownType;
                return "unknown type";
        }
    }

    private static string? Room(ClientMessage m) =>
        m.Room is null ? $"{m.Type} needs room"
        : SignalingProtocol.IsValidRoom(m.Room) ? null : "room must be 1-64 characters of A-Z a-z 0-9 _ - .";

    private static string? Target(string? to, bool required) =>
        to is null ? (required ? "missing to" : null)
        : SignalingProtocol.IsValidPeerId(to) ? null : "to is not a valid peer id";

    private static string? CallId(ClientMessage m) =>
        string.IsNullOrEmpty(m.CallId) ? $"{m.Type} needs callId"
        : m.CallId.Length > SignalingProtocol.MaxShortStringLength ? "callId is too long" : null;

    private static string? Meta(JsonElement meta, bool required) => meta.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => required ? "missing meta" : null,
        JsonValueKind.Object => meta.GetRawText().Length > SignalingProtocol.MaxMetaBytes ? "meta is larger than 4 KiB" : null,
        _ => "meta must be an object",
    };
}
