using RtcStack.Signaling.Protocol;

namespace RtcStack.Client;

/// <summary>The one request the client builds itself (<c>hello</c>); everything else is a <see cref="ClientMessage"/> written by <see cref="FrameWriter"/>.</summary>
internal static class ClientFrames
{
    public static byte[] Hello(string token, string? resumeToken, long lastSeq) => FrameWriter.Write(new ClientMessage
    {
        Type = MessageTypes.Hello,
        V = SignalingProtocol.Version,
        Token = token,
        Resume = resumeToken,
        LastSeq = resumeToken is null ? null : lastSeq,
    });
}
