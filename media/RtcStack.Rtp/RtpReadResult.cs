namespace RtcStack.Rtp;

/// <summary>Outcome of reading an RTP packet (RFC 3550 §5.1). Bad input is a value, never an exception.</summary>
public enum RtpReadResult
{
    /// <summary>The packet is well formed.</summary>
    Ok = 0,

    /// <summary>Shorter than the 12-byte fixed header.</summary>
    TooShort,

    /// <summary>The version field is not 2.</summary>
    BadVersion,

    /// <summary>The CSRC list runs past the end of the packet.</summary>
    TruncatedCsrc,

    /// <summary>The header extension (RFC 3550 §5.3.1) runs past the end of the packet.</summary>
    TruncatedExtension,

    /// <summary>The padding count is zero or larger than the payload (RFC 3550 §5.1, P bit).</summary>
    BadPadding,
}
