namespace RtcStack.Srtp;

/// <summary>Outcome of protecting or unprotecting a packet. Bad input is a value, never an exception.</summary>
public enum SrtpResult
{
    /// <summary>Done.</summary>
    Ok = 0,

    /// <summary>Not an RTP/RTCP packet this session can process (too short, bad version, bad header).</summary>
    Malformed,

    /// <summary>The authentication tag did not verify (RFC 3711 §3.3 step 5, RFC 7714 §9.3).</summary>
    AuthFailed,

    /// <summary>The packet index was already received or is behind the replay window (RFC 3711 §3.3.2).</summary>
    Replayed,

    /// <summary>The caller's buffer has no room for the tag (see <see cref="SrtpProfileExtensions.GetSrtpOverhead"/>).</summary>
    BufferTooSmall,

    /// <summary>The session already tracks its maximum number of SSRCs.</summary>
    TooManyStreams,

    /// <summary>The session was disposed.</summary>
    Disposed,
}
