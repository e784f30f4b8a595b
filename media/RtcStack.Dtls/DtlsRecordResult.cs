namespace RtcStack.Dtls;

/// <summary>The outcome of reading DTLS record headers from a datagram.</summary>
public enum DtlsRecordResult
{
    /// <summary>Every record in the datagram has a sound header and its full fragment.</summary>
    Ok,
    /// <summary>Shorter than a 13-byte header, or a fragment runs past the datagram (RFC 6347 §4.1).</summary>
    Truncated,
    /// <summary>Content type is not 20–25 (change_cipher_spec … ack).</summary>
    BadContentType,
    /// <summary>The version is not a DTLS version (major byte 0xFE).</summary>
    BadVersion,
    /// <summary>No records.</summary>
    Empty,
}
