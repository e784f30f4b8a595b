using System.Buffers.Binary;

namespace RtcStack.Server.Engine;

/// <summary>Writes server frame headers (RFC 6455 section 5.2, never masked) into a caller's buffer.</summary>
internal static class WebSocketFrameWriter
{
    /// <summary>The longest header a server frame has.</summary>
    public const int MaxHeaderLength = 10;

    public static int WriteHeader(Span<byte> destination, int opcode, bool fin, int payloadLength)
    {
        destination[0] = (byte)((fin ? 0x80 : 0) | opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }
        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }
        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }
}
