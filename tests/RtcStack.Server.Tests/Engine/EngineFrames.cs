using System.Text;

namespace RtcStack.Server.Tests.Engine;

/// <summary>Client frames built byte by byte (RFC 6455 section 5.2), masked unless asked otherwise.</summary>
internal static class EngineFrames
{
    private static readonly byte[] s_mask = [0x37, 0xfa, 0x21, 0x3d];

    public static byte[] Text(string text, bool fin = true, bool masked = true) => Frame(0x1, Encoding.UTF8.GetBytes(text), fin, masked);

    public static byte[] Frame(int opcode, byte[] payload, bool fin = true, bool masked = true)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (payload.Length < 126)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else
        {
            frame.AddRange([(byte)(maskBit | 126), (byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        if (!masked)
        {
            frame.AddRange(payload);
            return [.. frame];
        }
        frame.AddRange(s_mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ s_mask[i % 4])));
        return [.. frame];
    }

    /// <summary>The close code in a close frame's payload.</summary>
    public static int CloseCode(byte[] payload) => (payload[0] << 8) | payload[1];
}
