namespace RtcStack.Sdp;

/// <summary>The outcome of <see cref="SdpParser.Parse(string)"/>; bad input is a value, never an exception.</summary>
public enum SdpParseResult
{
    /// <summary>The text is a well-formed session description.</summary>
    Ok,
    /// <summary>The text is empty.</summary>
    Empty,
    /// <summary>A line is not of the form <c>x=value</c> with a lower-case letter type.</summary>
    MalformedLine,
    /// <summary>The first line is not <c>v=0</c> (RFC 8866 §5.1).</summary>
    BadVersion,
    /// <summary>An <c>m=</c> line does not have media, port, protocol and formats (RFC 8866 §5.14).</summary>
    BadMediaLine,
    /// <summary>The description is larger than <see cref="SdpParser.MaxLength"/> or has too many lines.</summary>
    TooLarge,
}
