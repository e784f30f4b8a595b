namespace RtcStack.Rtp.Rtcp;

/// <summary>Outcome of reading RTCP (RFC 3550 §6.4). Bad input is a value, never an exception.</summary>
public enum RtcpReadResult
{
    /// <summary>Well formed.</summary>
    Ok = 0,

    /// <summary>Shorter than a header or than its own length field says.</summary>
    TooShort,

    /// <summary>The version field is not 2.</summary>
    BadVersion,

    /// <summary>The padding count is zero or larger than the body.</summary>
    BadPadding,

    /// <summary>The packet is not of the type (or feedback format) the reader expects.</summary>
    WrongType,

    /// <summary>The body is shorter than its count fields require.</summary>
    Truncated,

    /// <summary>A field holds a value the format reserves (e.g. TWCC status symbol 3).</summary>
    Malformed,
}
