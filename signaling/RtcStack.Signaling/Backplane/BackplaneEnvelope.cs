using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Backplane;

/// <summary>
/// A routed message: the server message to deliver (without <c>seq</c>; the recipient's node stamps it) and
/// routing details. Serializable with <see cref="BackplaneJsonContext"/>.
/// </summary>
public sealed class BackplaneEnvelope
{
    /// <summary>Unique id (lets a node drop a duplicate seen during a handover).</summary>
    public string Id { get; set; } = "";

    /// <summary>For room broadcasts: the peer that must not receive it (the sender).</summary>
    public string? ExceptPeer { get; set; }

    /// <summary>
    /// A call handed to the recipient (the caller of an invitation adopted from a dead node, see
    /// <see cref="IBackplaneHandler.OnInvitationsAdoptedAsync"/>): its session takes the call as its own and
    /// <see cref="Message"/> is not delivered. Null for ordinary envelopes.
    /// </summary>
    public CallState? Call { get; set; }

    /// <summary>
    /// For call messages (<c>invite</c>, <c>ringing</c>, <c>accepted</c>, ...): the sender's session, so the recipient's
    /// half of the call is linked to it and a notice that another session of the sender was lost leaves the call alone
    /// (see <see cref="IBackplaneHandler.OnSessionsLostAsync"/>). Null when not known (a node of an older version).
    /// </summary>
    public string? SenderSession { get; set; }

    /// <summary>
    /// For an invitation delivered by the node that adopted it from a dead node: the caller's session that was lost with
    /// that node. The callee's half is linked to no session yet (the caller's next session takes the call) and a notice
    /// about this one leaves it alone. Null otherwise.
    /// </summary>
    public string? FormerSenderSession { get; set; }

    /// <summary>The message to deliver (an empty one until set: an envelope built with a message allocates no other).</summary>
    public ServerMessage Message
    {
        get => _message ??= new();
        set => _message = value;
    }

    private ServerMessage? _message;

    public static BackplaneEnvelope Create(ServerMessage message, PeerId? except = null) =>
        new() { Id = Guid.NewGuid().ToString("N"), ExceptPeer = except?.Value, Message = message };
}
