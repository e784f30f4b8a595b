namespace RtcStack.Turn.Allocations;

/// <summary>Outcome of <see cref="Allocation.BindChannel"/> (RFC 8656 §12.2).</summary>
internal enum ChannelBindResult
{
    /// <summary>A new binding was made.</summary>
    Created,

    /// <summary>The same number and peer were bound already: refreshed.</summary>
    Refreshed,

    /// <summary>The number is bound (or cooling down) to another peer: 400.</summary>
    NumberInUse,

    /// <summary>The peer is bound (or cooling down) to another number: 400.</summary>
    PeerInUse,

    /// <summary>The allocation holds <see cref="Allocation.MaxChannels"/> bindings already: 508.</summary>
    Full,
}
