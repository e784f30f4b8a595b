using System.Text.Json;

namespace RtcStack.Signaling.Protocol;

/// <summary>
/// Turns a frame into a typed message or a stable error code. Never throws for any input bytes.
/// </summary>
public static class FrameParser
{
    /// <summary>Parses and validates a client frame (server side).</summary>
    public static ParseResult ParseClient(ReadOnlySpan<byte> utf8)
    {
        ClientMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(utf8, SignalingJsonContext.Default.ClientMessage);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
        {
            return ParseResult.Fail(ErrorCodes.BadRequest, "malformed JSON or a field of the wrong type", TryReadId(utf8));
        }
        if (message is null)
        {
            return ParseResult.Fail(ErrorCodes.BadRequest, "the frame must be a JSON object", null);
        }
        if (JsonEscapes.HasLoneSurrogate(utf8))
        {
            return ParseResult.Fail(ErrorCodes.BadRequest, "a \\u escape is an unpaired surrogate", message.Id);
        }
        if (message.Id is { Length: > SignalingProtocol.MaxRequestIdLength })
        {
            return ParseResult.Fail(ErrorCodes.BadRequest, "id is longer than 64 characters", null);
        }
        string? problem = ClientMessageValidator.Validate(message, out string code);
        return problem is null ? ParseResult.Ok(message) : ParseResult.Fail(code, problem, message.Id);
    }

    /// <summary>Parses a server frame (client side). Returns null when the frame is not a server message.</summary>
    public static ServerMessage? ParseServer(ReadOnlySpan<byte> utf8)
    {
        try
        {
            ServerMessage? message = JsonSerializer.Deserialize(utf8, SignalingJsonContext.Default.ServerMessage);
            return message is { Type.Length: > 0 } ? message : null;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Best effort: the top-level string <c>id</c> of a frame that failed to deserialize.</summary>
    private static string? TryReadId(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 32 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("id"u8);
                if (!reader.Read())
                {
                    return null;
                }
                if (isId && reader.TokenType == JsonTokenType.String)
                {
                    string id = reader.GetString() ?? "";
                    return id.Length <= SignalingProtocol.MaxRequestIdLength ? id : null;
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // The id comes after the malformed part: the error goes out without "re".
        }
        catch (InvalidOperationException)
        {
        }
        return null;
    }
}
