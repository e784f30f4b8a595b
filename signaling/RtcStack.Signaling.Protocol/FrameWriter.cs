using System.Text.Json;

namespace RtcStack.Signaling.Protocol;

/// <summary>Serializes wire messages to UTF-8 JSON with the source-generated context.</summary>
public static class FrameWriter
{
    public static byte[] Write(ServerMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, SignalingJsonContext.Default.ServerMessage);

    public static byte[] Write(ClientMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, SignalingJsonContext.Default.ClientMessage);

    /// <summary>An <c>error</c> frame.</summary>
    public static ServerMessage Error(string code, string message, string? re) =>
        new() { Type = MessageTypes.Error, Code = code, Message = message, Re = re };
}
