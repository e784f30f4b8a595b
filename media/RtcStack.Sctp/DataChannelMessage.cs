using System.Text;

namespace RtcStack.Sctp;

/// <summary>A received data channel message: text (PPID 51/56) or binary (PPID 53/57), possibly empty.</summary>
public readonly record struct DataChannelMessage(ReadOnlyMemory<byte> Data, bool IsText)
{
    /// <summary>The payload decoded as UTF-8 (for text messages).</summary>
    public string Text => Encoding.UTF8.GetString(Data.Span);
}
