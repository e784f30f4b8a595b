namespace RtcStack.Stun;

/// <summary>Outcome of <see cref="StunMessageReader.TryParse"/>; bad input is a value, never an exception.</summary>
public enum StunParseResult
{
    /// <summary>The bytes are a well-formed STUN message.</summary>
    Success = 0,

    /// <summary>Fewer than 20 bytes.</summary>
    TooShort,

    /// <summary>The two most significant bits are not zero (RFC 8489 §5): not STUN.</summary>
    NotStun,

    /// <summary>The magic cookie is not 0x2112A442.</summary>
    BadMagicCookie,

    /// <summary>The length field is not a multiple of 4.</summary>
    BadLength,

    /// <summary>The length field does not match the number of bytes given.</summary>
    LengthMismatch,

    /// <summary>An attribute runs past the end of the message.</summary>
    MalformedAttribute,

    /// <summary>FINGERPRINT is present but is not the last attribute, or has the wrong length.</summary>
    BadFingerprintPosition,
}
