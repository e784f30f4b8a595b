namespace RtcStack.Stun;

/// <summary>What <see cref="StunFraming.TryGetFrameLength"/> found at the start of a stream buffer.</summary>
public enum StunFrameKind
{
    /// <summary>Not enough bytes yet to know the frame length.</summary>
    NeedMoreData = 0,

    /// <summary>A STUN message.</summary>
    Stun,

    /// <summary>A ChannelData message.</summary>
    ChannelData,

    /// <summary>Neither: the stream cannot be resynchronised and must be closed.</summary>
    Invalid,
}
