namespace RtcStack.Signaling.Protocol;

/// <summary>
/// A well-formed relay frame (<c>offer</c>, <c>answer</c>, <c>candidate</c>, <c>message</c>) as read by
/// <see cref="RelayFrameCodec.TryRead"/>: the routing fields as strings and the relayed payloads as byte ranges
/// of the client's frame (raw JSON, copied untouched into what the recipients get).
/// </summary>
public readonly record struct RelayFrame
{
    /// <summary>One of <see cref="MessageTypes.Offer"/>, <see cref="MessageTypes.Answer"/>, <see cref="MessageTypes.Candidate"/>, <see cref="MessageTypes.Message"/>.</summary>
    public required string Type { get; init; }

    /// <summary>The request id (an <c>ack</c> refers to it), if any.</summary>
    public string? Id { get; init; }

    /// <summary>The room (a valid room name).</summary>
    public required string Room { get; init; }

    /// <summary>The target peer (a valid peer id), or null for a room broadcast (only <c>message</c>).</summary>
    public string? To { get; init; }

    /// <summary>The raw <c>sdp</c> string token, quotes included; empty length when absent.</summary>
    public (int Start, int Length) Sdp { get; init; }

    /// <summary><c>iceRestart</c>, when present.</summary>
    public bool? IceRestart { get; init; }

    /// <summary>The raw <c>candidate</c> value (an object); empty length when absent.</summary>
    public (int Start, int Length) Candidate { get; init; }

    /// <summary>The raw <c>data</c> value (any JSON value but <c>null</c>); empty length when absent.</summary>
    public (int Start, int Length) Data { get; init; }
}
