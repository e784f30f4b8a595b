using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Tests.Infrastructure;

/// <summary>Held invitations as another node stored them (for the tests that hand them to a hub's backplane reports).</summary>
internal static class HeldCalls
{
    /// <summary>An outgoing call from <paramref name="caller"/> in room <c>r</c> whose invitation is held for <paramref name="callee"/>.</summary>
    public static CallState Undelivered(string callId, string caller, string callee, long expiresAt) => new()
    {
        Id = callId,
        OtherPeer = callee,
        Room = "r",
        Outgoing = true,
        ExpiresAt = expiresAt,
        PendingInvite = new ServerMessage { Type = "invite", CallId = callId, From = caller, Room = "r", ExpiresAt = expiresAt },
    };

    /// <summary><see cref="Undelivered"/>, its invitation delivered to the callee already.</summary>
    public static CallState Delivered(string callId, string caller, string callee, long expiresAt)
    {
        CallState call = Undelivered(callId, caller, callee, expiresAt);
        call.Delivered = true;
        return call;
    }
}
