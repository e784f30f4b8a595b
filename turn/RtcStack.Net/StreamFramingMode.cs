namespace RtcStack.Net;

/// <summary>How a <see cref="StreamConnection"/> cuts its byte stream.</summary>
public enum StreamFramingMode
{
    /// <summary>STUN messages and padded ChannelData (RFC 8656 §12.5, RFC 6544).</summary>
    StunFrames = 0,

    /// <summary>No framing: bytes are delivered as they arrive (RFC 6062 data connections, peer connections).</summary>
    Raw,
}
