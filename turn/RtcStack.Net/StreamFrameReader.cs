using System.Buffers;
using RtcStack.Stun;

namespace RtcStack.Net;

/// <summary>Cuts STUN and ChannelData frames off a <see cref="ReadOnlySequence{T}"/> (RFC 8656 §12.5).</summary>
internal static class StreamFrameReader
{
    private const int PeekLength = 8;

    /// <summary>
    /// Takes the first complete frame off <paramref name="buffer"/>.
    /// </summary>
    /// <returns>The kind: <see cref="StunFrameKind.NeedMoreData"/> when incomplete, <see cref="StunFrameKind.Invalid"/> when unframeable.</returns>
    public static StunFrameKind TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        Span<byte> peek = stackalloc byte[PeekLength];
        int available = (int)Math.Min(buffer.Length, PeekLength);
        buffer.Slice(0, available).CopyTo(peek);
        StunFrameKind kind = StunFraming.TryGetFrameLength(peek[..available], out int length);
        if (kind is StunFrameKind.NeedMoreData or StunFrameKind.Invalid)
        {
            return kind;
        }

        if (buffer.Length < length)
        {
            return StunFrameKind.NeedMoreData;
        }

        frame = buffer.Slice(0, length);
        buffer = buffer.Slice(length);
        return kind;
    }
}
