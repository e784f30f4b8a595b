using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// Call invitations. Each side keeps its half of the call in its session: the caller's node runs the ring
/// timer (see <see cref="Sweeper"/>) and holds invitations for offline callees; the callee's node answers
/// <c>busy</c> for a callee already in an accepted call.
/// </summary>
internal sealed class CallCommands(SignalingHub hub)
{
    public async Task InviteAsync(SignalingConnection connection, Session session, ClientMessage m)
    {
        string room = m.Room!;
        if (!session.Claims.AllowsRoom(room))
        {
            hub.SendError(connection, ErrorCodes.Forbidden, $"the token does not allow room {room}", m.Id);
            return;
        }
        if (m.To == session.Peer.Value)
        {
            hub.SendError(connection, ErrorCodes.UnknownTarget, "cannot invite yourself", m.Id);
            return;
        }
        long expiresAt = hub.NowMs + hub.Options.RingTimeoutMs;
        var call = new Call(IdGenerator.New("c"), m.To!, room, outgoing: true, expiresAt);
        var invite = new ServerMessage
        {
            Type = MessageTypes.Invite,
            CallId = call.Id,
            From = session.Peer.Value,
            Room = room,
            Meta = RoomCommands.Meta(RoomCommands.MetaJson(m.Meta)),
            ExpiresAt = expiresAt,
        };
        call.PendingInvite = invite;
        session.AddCall(call);
        // Kept in the backplane before the caller hears of it: an acknowledged invitation survives this node.
        await hub.Invitations.PersistAsync(session, call).ConfigureAwait(false);
        SignalingHub.Ack(connection, m.Id, a => a.CallId = call.Id);
        await hub.Invitations.InviteAsync(session, call).ConfigureAwait(false);
        if (!call.Delivered && hub.Webhook.Enabled)
        {
            _ = hub.Webhook.NotifyAsync(call.Id, session.Peer.Value, call.OtherPeer, room, invite.Meta, expiresAt, CancellationToken.None);
        }
    }

    /// <summary><c>ringing</c>, <c>accept</c>, <c>decline</c>, <c>cancel</c>, <c>hangup</c>.</summary>
    public async Task AnswerAsync(SignalingConnection connection, Session session, ClientMessage m)
    {
        Call? call = session.GetCall(m.CallId!);
        string? toCaller = (m.Type, call) switch
        {
            (_, null) => null,
            (MessageTypes.Ringing, { Outgoing: false, Accepted: false }) => MessageTypes.Ringing,
            (MessageTypes.Accept, { Outgoing: false, Accepted: false }) => MessageTypes.Accepted,
            (MessageTypes.Decline, { Outgoing: false, Accepted: false }) => MessageTypes.Declined,
            (MessageTypes.Cancel, { Outgoing: true, Accepted: false }) => MessageTypes.Cancelled,
            (MessageTypes.Hangup, { Accepted: true }) => MessageTypes.Hangup,
            _ => null,
        };
        if (call is null || toCaller is null)
        {
            hub.SendError(connection, ErrorCodes.UnknownCall, $"no call {m.CallId} in a state that allows {m.Type}", m.Id);
            return;
        }
        switch (toCaller)
        {
            case MessageTypes.Accepted:
                call.Accepted = true;
                break;
            case MessageTypes.Declined:
            case MessageTypes.Cancelled:
            case MessageTypes.Hangup:
                if (session.RemoveCall(call.Id) is null)
                {
                    // Rang out or handed over to another node meanwhile: whoever took the call ends it, once.
                    hub.SendError(connection, ErrorCodes.UnknownCall, $"no call {m.CallId} in a state that allows {m.Type}", m.Id);
                    return;
                }
                await hub.Invitations.ReleaseAsync(call.Id).ConfigureAwait(false);
                break;
        }
        SignalingHub.Ack(connection, m.Id);
        if (toCaller == MessageTypes.Cancelled && !call.Delivered)
        {
            return;
        }
        var message = new ServerMessage
        {
            Type = toCaller,
            CallId = call.Id,
            From = session.Peer.Value,
            Reason = toCaller == MessageTypes.Declined ? m.Reason ?? "declined" : null,
        };
        BackplaneEnvelope answer = BackplaneEnvelope.Create(message);
        answer.SenderSession = session.Id;
        if (await hub.Backplane.PublishToPeerAsync(new PeerId(call.OtherPeer), answer, CancellationToken.None).ConfigureAwait(false)
            || toCaller is not (MessageTypes.Accepted or MessageTypes.Declined))
        {
            return;
        }
        // The caller has no session anywhere (its node died; a survivor holds its invitation): that node stops
        // holding it, so the caller is not handed an answered call if it comes back within the ring time.
        await hub.Backplane.EndHeldInvitationAsync(call.Id, CancellationToken.None).ConfigureAwait(false);
        if (toCaller == MessageTypes.Accepted && session.RemoveCall(call.Id) is not null)
        {
            // The call cannot start, so it ends here (hangup, as when the other party of an accepted call is gone).
            session.Deliver(SessionLifecycle.CallEnded(call, endedByCaller: true, endedBy: call.OtherPeer));
        }
    }
}
