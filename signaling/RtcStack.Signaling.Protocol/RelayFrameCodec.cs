using System.Text.Json;
using System.Text.Unicode;

using static RtcStack.Signaling.Protocol.RelayFrameFields;

namespace RtcStack.Signaling.Protocol;

/// <summary>
/// The relay fast path: one forward pass over a client frame with <see cref="Utf8JsonReader"/>, then the server
/// frame is assembled from the client's own bytes (<c>sdp</c>, <c>candidate</c>, <c>data</c> are copied raw)
/// instead of deserializing to a <see cref="ClientMessage"/> and serializing a <see cref="ServerMessage"/> per
/// recipient. The output has the field order of <see cref="FrameWriter"/> and the same JSON values (string
/// escapes and whitespace inside the payloads are the client's). Anything unusual returns
/// <see cref="RelayReadResult.UseParser"/> so that <see cref="FrameParser"/> stays the only judge of errors.
/// This file reads; RelayFrameCodec.Writer.cs writes.
/// </summary>
public static partial class RelayFrameCodec
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    /// <summary>Reads a valid <c>offer</c>/<c>answer</c>/<c>candidate</c>/<c>message</c> frame. Never throws.</summary>
    public static RelayReadResult TryRead(ReadOnlySpan<byte> utf8, out RelayFrame frame)
    {
        frame = default;
        if (!Utf8.IsValid(utf8) || JsonEscapes.HasLoneSurrogate(utf8))
        {
            return RelayReadResult.UseParser; // the parser's bad-request
        }
        try
        {
            return Read(utf8, out frame);
        }
        catch (JsonException)
        {
            return RelayReadResult.UseParser;
        }
        catch (InvalidOperationException)
        {
            return RelayReadResult.UseParser;
        }
    }

    private static RelayReadResult Read(ReadOnlySpan<byte> utf8, out RelayFrame frame)
    {
        frame = default;
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return RelayReadResult.UseParser;
        }
        int seen = 0;
        string? type = null, id = null, room = null, to = null;
        bool? iceRestart = null;
        (int, int) sdp = default, candidate = default, data = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int field = FieldOf(ref reader);
            if (field < 0 || (seen & field) != 0)
            {
                return RelayReadResult.UseParser; // a client field the relay does not use, or a duplicate
            }
            if (!reader.Read())
            {
                return RelayReadResult.UseParser;
            }
            if (field == 0)
            {
                reader.Skip(); // unknown fields are ignored, as by the deserializer
                continue;
            }
            seen |= field;
            JsonTokenType token = reader.TokenType;
            if (token == JsonTokenType.Null)
            {
                return RelayReadResult.UseParser;
            }
            switch (field)
            {
                case HasType:
                    type = token == JsonTokenType.String ? RelayType(ref reader) : null;
                    if (type is null)
                    {
                        return RelayReadResult.UseParser;
                    }
                    break;
                case HasId:
                case HasRoom:
                case HasTo:
                    if (token != JsonTokenType.String)
                    {
                        return RelayReadResult.UseParser;
                    }
                    string value = reader.GetString()!;
                    if (field == HasId)
                    {
                        id = value;
                    }
                    else if (field == HasRoom)
                    {
                        room = value;
                    }
                    else
                    {
                        to = value;
                    }
                    break;
                case HasSdp:
                    if (token != JsonTokenType.String)
                    {
                        return RelayReadResult.UseParser;
                    }
                    sdp = ((int)reader.TokenStartIndex, (int)(reader.BytesConsumed - reader.TokenStartIndex));
                    break;
                case HasIce:
                    if (token is not (JsonTokenType.True or JsonTokenType.False))
                    {
                        return RelayReadResult.UseParser;
                    }
                    iceRestart = token == JsonTokenType.True;
                    break;
                default: // candidate, data: any value, copied raw
                    int start = (int)reader.TokenStartIndex;
                    if (field == HasCandidate && token != JsonTokenType.StartObject)
                    {
                        return RelayReadResult.UseParser;
                    }
                    reader.Skip();
                    (int, int) raw = (start, (int)(reader.BytesConsumed - start));
                    if (field == HasCandidate)
                    {
                        candidate = raw;
                    }
                    else
                    {
                        data = raw;
                    }
                    break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return RelayReadResult.UseParser; // trailing content: the parser reports it
        }
        bool valid = type is not null
            && id is not { Length: > SignalingProtocol.MaxRequestIdLength }
            && SignalingProtocol.IsValidRoom(room)
            && (to is null ? type == MessageTypes.Message : SignalingProtocol.IsValidPeerId(to))
            && HasBody(type, seen);
        if (!valid)
        {
            return RelayReadResult.UseParser;
        }
        frame = new RelayFrame
        {
            Type = type!,
            Id = id,
            Room = room!,
            To = to,
            Sdp = sdp,
            IceRestart = iceRestart,
            Candidate = type == MessageTypes.Candidate ? candidate : default,
            Data = type == MessageTypes.Message ? data : default,
        };
        return RelayReadResult.Ok;
    }

    /// <summary>0 for a field no client message has, -1 for a client field the relay does not carry, else its bit.</summary>
    private static int FieldOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return FieldOf(reader.ValueSpan);
        }
        if (reader.ValueTextEquals("type"u8)) { return HasType; }
        if (reader.ValueTextEquals("id"u8)) { return HasId; }
        if (reader.ValueTextEquals("room"u8)) { return HasRoom; }
        if (reader.ValueTextEquals("to"u8)) { return HasTo; }
        if (reader.ValueTextEquals("sdp"u8)) { return HasSdp; }
        if (reader.ValueTextEquals("iceRestart"u8)) { return HasIce; }
        if (reader.ValueTextEquals("candidate"u8)) { return HasCandidate; }
        if (reader.ValueTextEquals("data"u8)) { return HasData; }
        if (reader.ValueTextEquals("v"u8) || reader.ValueTextEquals("token"u8) || reader.ValueTextEquals("resume"u8)
            || reader.ValueTextEquals("lastSeq"u8) || reader.ValueTextEquals("meta"u8) || reader.ValueTextEquals("callId"u8)
            || reader.ValueTextEquals("reason"u8))
        {
            return -1;
        }
        return 0;
    }

    /// <summary><see cref="FieldOf(ref Utf8JsonReader)"/> for a name without escapes: one length switch, one comparison.</summary>
    internal static int FieldOf(ReadOnlySpan<byte> name) => name.Length switch
    {
        1 => name[0] == (byte)'v' ? -1 : 0,
        2 => name.SequenceEqual("id"u8) ? HasId : name.SequenceEqual("to"u8) ? HasTo : 0,
        3 => name.SequenceEqual("sdp"u8) ? HasSdp : 0,
        4 => name.SequenceEqual("type"u8) ? HasType : name.SequenceEqual("room"u8) ? HasRoom
            : name.SequenceEqual("data"u8) ? HasData : name.SequenceEqual("meta"u8) ? -1 : 0,
        5 => name.SequenceEqual("token"u8) ? -1 : 0,
        6 => name.SequenceEqual("resume"u8) || name.SequenceEqual("callId"u8) || name.SequenceEqual("reason"u8) ? -1 : 0,
        7 => name.SequenceEqual("lastSeq"u8) ? -1 : 0,
        9 => name.SequenceEqual("candidate"u8) ? HasCandidate : 0,
        10 => name.SequenceEqual("iceRestart"u8) ? HasIce : 0,
        _ => 0,
    };

    private static string? RelayType(ref Utf8JsonReader reader) =>
        !reader.ValueIsEscaped && !reader.HasValueSequence ? RelayType(reader.ValueSpan)
        : reader.ValueTextEquals("message"u8) ? MessageTypes.Message
        : reader.ValueTextEquals("candidate"u8) ? MessageTypes.Candidate
        : reader.ValueTextEquals("offer"u8) ? MessageTypes.Offer
        : reader.ValueTextEquals("answer"u8) ? MessageTypes.Answer
        : null;

    internal static string? RelayType(ReadOnlySpan<byte> value) =>
        value.SequenceEqual("message"u8) ? MessageTypes.Message
        : value.SequenceEqual("candidate"u8) ? MessageTypes.Candidate
        : value.SequenceEqual("offer"u8) ? MessageTypes.Offer
        : value.SequenceEqual("answer"u8) ? MessageTypes.Answer
        : null;
}
