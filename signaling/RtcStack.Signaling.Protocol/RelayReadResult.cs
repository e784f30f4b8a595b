namespace RtcStack.Signaling.Protocol;

/// <summary>Outcome of <see cref="RelayFrameCodec.TryRead"/>.</summary>
public enum RelayReadResult
{
    /// <summary>A valid relay frame: the server may relay it without building a <see cref="ClientMessage"/>.</summary>
    Ok,

    /// <summary>Not a plain, valid relay frame (another type, a field it cannot vouch for, bad JSON): use <see cref="FrameParser.ParseClient"/>, which gives the exact answer.</summary>
    UseParser,
}
