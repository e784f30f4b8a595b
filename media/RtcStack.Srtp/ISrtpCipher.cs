namespace RtcStack.Srtp;

/// <summary>
/// One set of session keys (SRTP or SRTCP of one direction) and the transform that uses them. Works in place on
/// the caller's buffer and allocates nothing. Not thread-safe: <see cref="SrtpDirection"/> serializes calls.
/// </summary>
internal interface ISrtpCipher : IDisposable
{
    /// <summary>Tag bytes appended to SRTP packets.</summary>
    int RtpTagLength { get; }

    /// <summary>Tag bytes in SRTCP packets.</summary>
    int RtcpTagLength { get; }

    /// <summary>Where the SRTCP E flag and index sit, counted back from the end of the packet.</summary>
    int RtcpIndexOffsetFromEnd { get; }

    /// <summary>Encrypts packet[headerLength..length] and writes the tag at packet[length..].</summary>
    void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint roc);

    /// <summary>Verifies the tag at packet[payloadEnd..] and decrypts packet[headerLength..payloadEnd].</summary>
    bool UnprotectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, uint roc);

    /// <summary>Encrypts packet[8..length] and appends E flag, index and tag in the profile's order.</summary>
    void ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index);

    /// <summary>Verifies and (when <paramref name="encrypted"/>) decrypts; <paramref name="bodyEnd"/> is the RTCP length.</summary>
    bool UnprotectRtcp(Span<byte> packet, int bodyEnd, uint ssrc, uint index, bool encrypted);
}
