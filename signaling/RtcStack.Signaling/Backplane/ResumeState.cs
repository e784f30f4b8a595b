namespace RtcStack.Signaling.Backplane;

/// <summary>
/// What a node hands over when a session resumes elsewhere: the session id, the last <c>seq</c> it stamped,
/// the buffered frames (already serialized, with their <c>seq</c>), the rooms the session is in and its calls.
/// </summary>
public sealed class ResumeState
{
    public string SessionId { get; set; } = "";
    public long LastSeq { get; set; }
    public List<BufferedFrame> Frames { get; set; } = [];
    public List<RoomMembership> Rooms { get; set; } = [];

    /// <summary>The session's calls (ringing, held for an offline callee, or accepted), so ring timers and busy detection carry on.</summary>
    public List<CallState> Calls { get; set; } = [];
}
