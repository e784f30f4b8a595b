using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Backplane;

/// <summary>One side of a call as it travels with a handed-over session (see <see cref="ResumeState.Calls"/>).</summary>
public sealed class CallState
{
    public string Id { get; set; } = "";

    /// <summary>The other party.</summary>
    public string OtherPeer { get; set; } = "";

    public string Room { get; set; } = "";

    /// <summary>True on the caller's side.</summary>
    public bool Outgoing { get; set; }

    /// <summary>Epoch milliseconds when ringing stops.</summary>
    public long ExpiresAt { get; set; }

    public bool Accepted { get; set; }

    /// <summary>For an outgoing call: the invite reached the callee's node.</summary>
    public bool Delivered { get; set; }

    /// <summary>For an outgoing call to an offline callee: the invitation still held for it.</summary>
    public ServerMessage? PendingInvite { get; set; }

    /// <summary>The other party's session this side is linked with (see <see cref="BackplaneEnvelope.SenderSession"/>); null when not known.</summary>
    public string? OtherSession { get; set; }

    /// <summary>A session of the other party lost before this side was linked (see <see cref="BackplaneEnvelope.FormerSenderSession"/>).</summary>
    public string? IgnoredSession { get; set; }

    /// <summary>For a held invitation: the caller's session that held it (a survivor that adopts it tells the callee).</summary>
    public string? HolderSession { get; set; }
}
