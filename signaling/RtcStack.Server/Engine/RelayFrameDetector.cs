namespace RtcStack.Server.Engine;

/// <summary>
/// Decides, from the first bytes of a client message, whether the hub will most likely take its relay fast path
/// (<c>offer</c>, <c>answer</c>, <c>candidate</c>, <c>message</c>), which only appends frames to other sessions and can
/// run on the engine thread. Anything else (and anything unusual) is completed on the thread pool. Only a scheduling
/// hint: a wrong guess costs a thread-pool hop or a few microseconds on the engine thread, never a wrong answer.
/// </summary>
internal static class RelayFrameDetector
{
    private static ReadOnlySpan<byte> TypeKey => "\"type\":\""u8;

    public static bool IsRelay(int opcode, ReadOnlySpan<byte> message)
    {
        if (opcode != WebSocketFrameHeader.Text)
        {
            return false;
        }
        ReadOnlySpan<byte> head = message[..Math.Min(message.Length, 48)];
        int at = head.IndexOf(TypeKey);
        if (at < 0)
        {
            return false;
        }
        ReadOnlySpan<byte> type = message[(at + TypeKey.Length)..];
        return type.StartsWith("candidate\""u8) || type.StartsWith("message\""u8) || type.StartsWith("offer\""u8) || type.StartsWith("answer\""u8);
    }
}
