namespace RtcStack.Stun;

/// <summary>Outcome of <see cref="ChannelDataReader.TryParse"/>.</summary>
public enum ChannelDataParseResult
{
    /// <summary>A well-formed ChannelData message.</summary>
    Success = 0,

    /// <summary>Fewer than 4 bytes, or fewer than the length field announces.</summary>
    TooShort,

    /// <summary>The channel number is outside 0x4000-0x4FFF (RFC 8656 §12).</summary>
    InvalidChannelNumber,

    /// <summary>More bytes than the length field plus at most 3 bytes of padding.</summary>
    LengthMismatch,
}
