using RtcStack.Stun;

namespace RtcStack.Net;

/// <summary>
/// Receives what a <see cref="StreamConnection"/> reads, synchronously on the connection's read
/// loop. Spans are valid only during the call.
/// </summary>
public interface IStreamHandler
{
    /// <summary>The connection is established (after the TLS handshake, if any).</summary>
    void OnConnected(StreamConnection connection);

    /// <summary>One STUN message or ChannelData message (padding included) in <see cref="StreamFramingMode.StunFrames"/> mode.</summary>
    PacketDisposition OnFrame(StreamConnection connection, ReadOnlySpan<byte> frame, StunFrameKind kind);

    /// <summary>Bytes as they arrive in <see cref="StreamFramingMode.Raw"/> mode.</summary>
    PacketDisposition OnRawData(StreamConnection connection, ReadOnlySpan<byte> data) => PacketDisposition.Dropped;

    /// <summary>The connection is closed; <paramref name="reason"/> says why (for logs).</summary>
    void OnClosed(StreamConnection connection, string reason);
}
