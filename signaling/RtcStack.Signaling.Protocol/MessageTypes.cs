namespace RtcStack.Signaling.Protocol;

/// <summary>The <c>type</c> values of protocol v1 (docs/protocol.md).</summary>
public static class MessageTypes
{
    // Client -> server.
    public const string Hello = "hello";
    public const string Refresh = "refresh";
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Update = "update";
    public const string Offer = "offer";
    public const string Answer = "answer";
    public const string Candidate = "candidate";
    public const string Message = "message";
    public const string Invite = "invite";
    public const string Ringing = "ringing";
    public const string Accept = "accept";
    public const string Decline = "decline";
    public const string Cancel = "cancel";
    public const string Hangup = "hangup";
    public const string Ping = "ping";
    public const string Bye = "bye";

    // Server -> client (offer, answer, candidate, message, invite, ringing, hangup are shared).
    public const string Welcome = "welcome";
    public const string Joined = "joined";
    public const string MemberJoined = "member-joined";
    public const string MemberLeft = "member-left";
    public const string MemberUpdated = "member-updated";
    public const string Accepted = "accepted";
    public const string Declined = "declined";
    public const string Cancelled = "cancelled";
    public const string InviteTimeout = "invite-timeout";
    public const string Ack = "ack";
    public const string Pong = "pong";
    public const string Error = "error";
    public const string GoingAway = "going-away";
}
