namespace RtcStack.Signaling.Backplane;

/// <summary>
/// What a node hands over when a session resumes elsewhere: the session id, the last <c>seq</c> it stamped,
/// the buffered frames (already serialized, with their <c>seq</c>) and the rooms the session is in.
/// </summary>
public sealed class ResumeState
{
    public string SessionId { get; set; } = "";
    public long LastSeq { get; set; }
    public List<BufferedFrame> Frames { get; set; } = [];
    public List<RoomMembership> Rooms { get; set; } = [];

    /// <summary>True when more messages were addressed to the session than its buffer holds: resume must fail.</summary>
    public bool Overflowed { get; set; }

    /// <summary>Ids of envelopes already buffered (a node drops duplicates that reach it during the handover).</summary>
    public List<string> EnvelopeIds { get; set; } = [];
}
