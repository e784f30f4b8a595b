using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>What <see cref="StreamSender"/> needs to know about the frames it queues for a stream client.</summary>
internal static class StreamFrames
{
    /// <summary>ChannelData (RFC 8656 §12) or a Data indication (0x0017): relayed data, dropped first when the client lags.</summary>
    internal static bool IsRelayedData(ReadOnlySpan<byte> frame) =>
        !frame.IsEmpty && ((frame[0] & 0xC0) == 0x40 || (frame.Length > 1 && frame[0] == 0x00 && frame[1] == 0x17));

    /// <summary>
    /// The length of the first STUN or ChannelData frame (padded, RFC 8656 §12.5) of <paramref name="bytes"/>, or -1
    /// when its header is incomplete or it is neither (<see cref="StunFraming.TryGetFrameLength"/>).
    /// </summary>
    internal static int Length(ReadOnlySpan<byte> bytes) =>
        StunFraming.TryGetFrameLength(bytes, out int length) is StunFrameKind.Stun or StunFrameKind.ChannelData ? length : -1;
}
