namespace RtcStack.Signaling.Protocol;

/// <summary>
/// A well-formed relay frame as read by <see cref="RelayFrameScanner.TryScan"/>: every field as a byte range of the
/// client's frame, nothing allocated. <see cref="Id"/>, <see cref="Room"/> and <see cref="To"/> are the string
/// contents (no quotes; they never hold escapes, and room and peer ids are ASCII); the payloads are raw JSON
/// values, as in <see cref="RelayFrame"/>.
/// </summary>
public readonly record struct RelayFrameScan
{
    /// <summary>One of <see cref="MessageTypes.Offer"/>, <see cref="MessageTypes.Answer"/>, <see cref="MessageTypes.Candidate"/>, <see cref="MessageTypes.Message"/>.</summary>
    public required string Type { get; init; }

    /// <summary>True when the frame has a request id (<see cref="Id"/>, possibly empty).</summary>
    public bool HasId { get; init; }

    /// <summary>The request id's characters (no escapes; at most <see cref="SignalingProtocol.MaxRequestIdLength"/>).</summary>
    public (int Start, int Length) Id { get; init; }

    /// <summary>The room (a valid room name, ASCII).</summary>
    public (int Start, int Length) Room { get; init; }

    /// <summary>The target peer (a valid peer id, ASCII); empty length for a room broadcast (only <c>message</c>).</summary>
    public (int Start, int Length) To { get; init; }

    /// <summary>The raw <c>sdp</c> string token, quotes included; empty length when absent.</summary>
    public (int Start, int Length) Sdp { get; init; }

    /// <summary><c>iceRestart</c>, when present.</summary>
    public bool? IceRestart { get; init; }

    /// <summary>The raw <c>candidate</c> value (an object; only for <c>candidate</c>); empty length when absent.</summary>
    public (int Start, int Length) Candidate { get; init; }

    /// <summary>The raw <c>data</c> value (only for <c>message</c>); empty length when absent.</summary>
    public (int Start, int Length) Data { get; init; }

    /// <summary>The same frame with its routing fields as strings (what the backplane path needs).</summary>
    public RelayFrame ToFrame(ReadOnlySpan<byte> utf8) => new()
    {
        Type = Type,
        Id = HasId ? System.Text.Encoding.UTF8.GetString(utf8.Slice(Id.Start, Id.Length)) : null,
        Room = System.Text.Encoding.ASCII.GetString(utf8.Slice(Room.Start, Room.Length)),
        To = To.Length == 0 ? null : System.Text.Encoding.ASCII.GetString(utf8.Slice(To.Start, To.Length)),
        Sdp = Sdp,
        IceRestart = IceRestart,
        Candidate = Candidate,
        Data = Data,
    };
}
