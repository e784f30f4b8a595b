using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

// The part of SessionLifecycle that delivers what the backplane routed to local sessions: call-state effects first,
// then the message with a seq.
internal sealed partial class SessionLifecycle
{
    /// <summary>Something the backplane routed to a local peer: apply call-state effects, then deliver with a <c>seq</c>.</summary>
    /// <remarks>Returns false when no session here takes it (none, or handed over to another node).</remarks>
    public async ValueTask<bool> OnEnvelopeAsync(PeerId recipient, BackplaneEnvelope envelope)
    {
        // A takeover in progress is looked up first: it puts the session in place before it stops holding.
        if (!_pendingResumes.IsEmpty && _pendingResumes.TryGetValue(recipient.Value, out PendingResume? pending))
        {
            await pending.Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (pending.Session is { } installed)
                {
                    return await DeliverAsync(installed, envelope).ConfigureAwait(false);
                }
                if (!pending.Abandoned)
                {
                    pending.Held.Add(envelope);
                    return true;
                }
            }
            finally
            {
                pending.Gate.Release();
            }
        }
        return hub.Sessions.TryGetValue(recipient.Value, out Session? session) && await DeliverAsync(session, envelope).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="OnEnvelopeAsync"/> without a state machine for what needs no await: a plain message (no call,
    /// no call id) to a local session while no takeover is in progress. Everything else goes the awaited way.
    /// </summary>
    public ValueTask<bool> OnEnvelope(PeerId recipient, BackplaneEnvelope envelope)
    {
        if (!_pendingResumes.IsEmpty || envelope.Call is not null || envelope.Message.CallId is not null)
        {
            return OnEnvelopeAsync(recipient, envelope);
        }
        return new ValueTask<bool>(hub.Sessions.TryGetValue(recipient.Value, out Session? session) && DeliverPlain(session, envelope.Message));
    }

    /// <summary>
    /// The allocation-free relay (<see cref="RelayCommands.TryRelayRaw"/>): delivers a scanned relay frame to the local
    /// session of <paramref name="recipient"/> as <see cref="OnEnvelope"/> would deliver its envelope. False (nothing
    /// done) when there is no such session, it was handed over, or a takeover is in progress: the caller then routes
    /// the usual way.
    /// </summary>
    public bool TryDeliverRelay(ReadOnlySpan<char> recipient, ReadOnlySpan<byte> utf8, in RelayFrameScan scan, string from)
    {
        if (!_pendingResumes.IsEmpty
            || !_sessionsBySpan.TryGetValue(recipient, out Session? session)
            || !session.DeliverRelay(utf8, scan, from))
        {
            return false;
        }
        hub.Metrics.Relayed();
        return true;
    }

    private async ValueTask<bool> DeliverAsync(Session session, BackplaneEnvelope envelope)
    {
        if (envelope.Call is null && envelope.Message.CallId is null)
        {
            return DeliverPlain(session, envelope.Message);
        }
        if (envelope.Call is { } handed)
        {
            // Refused once ended or handed over (checked under the session's lock, as the hand-over copies the calls):
            // the backplane routes it on (or the sender keeps holding it).
            return await hub.Invitations.TakeHandedCallAsync(session, handed).ConfigureAwait(false);
        }
        ServerMessage m = envelope.Message;
        if (m.CallId is not null && !await ApplyCallEffectAsync(session, envelope).ConfigureAwait(false))
        {
            return true;
        }
        return DeliverPlain(session, m);
    }

    /// <summary>Stamps and queues a message whose call effects (if any) were applied; false when the session was handed over.</summary>
    private bool DeliverPlain(Session session, ServerMessage m)
    {
        if (!session.Deliver(m))
        {
            return false;
        }
        if (m.From is not null && m.Type is MessageTypes.Offer or MessageTypes.Answer or MessageTypes.Candidate or MessageTypes.Message)
        {
            hub.Metrics.Relayed();
        }
        return true;
    }

    /// <summary>Returns false when the message must not be delivered (the callee is busy, or the call already ended here).</summary>
    /// <remarks>Each half is linked to the sender's session the envelope names (see <see cref="Call.OtherSession"/>).</remarks>
    private async Task<bool> ApplyCallEffectAsync(Session session, BackplaneEnvelope envelope)
    {
        ServerMessage m = envelope.Message;
        string callId = m.CallId!;
        switch (m.Type)
        {
            case MessageTypes.Invite:
                if (session.IsBusy)
                {
                    var busy = new ServerMessage { Type = MessageTypes.Declined, CallId = callId, From = session.Peer.Value, Reason = "busy" };
                    if (!await hub.Backplane.PublishToPeerAsync(new PeerId(m.From!), BackplaneEnvelope.Create(busy), CancellationToken.None).ConfigureAwait(false))
                    {
                        // An invitation a survivor holds for a caller without a session: it is answered.
                        await hub.Backplane.EndHeldInvitationAsync(callId, CancellationToken.None).ConfigureAwait(false);
                    }
                    return false;
                }
                var half = new Call(callId, m.From!, m.Room!, outgoing: false, m.ExpiresAt ?? 0)
                {
                    OtherSession = envelope.SenderSession,
                    IgnoredSession = envelope.FormerSenderSession,
                };
                session.AddCall(half);
                // Added first: the notice about the former session, ignored once (see NodeRecovery), either finds the
                // half (its loop, or the pass after it) or was applied before this check, which then spends the ignore.
                if (half.IgnoredSession is { } ignored && hub.Recovery.Losses.Named(half.OtherPeer, ignored))
                {
                    half.IgnoredSession = null;
                }
                return true;
            case MessageTypes.Ringing:
                Link(session.GetCall(callId), envelope);
                return true;
            case MessageTypes.Accepted:
                // An adopted call on its way to this session is marked first: it is added before it stops being adopted.
                hub.Invitations.MarkAdoptedAccepted(callId, session.Peer);
                if (session.GetCall(callId) is { } call)
                {
                    call.Accepted = true;
                    Link(call, envelope);
                }
                return true;
            case MessageTypes.Declined:
            case MessageTypes.Cancelled:
            case MessageTypes.Hangup:
            case MessageTypes.InviteTimeout:
                // A call this side no longer has was ended already (by this side, or both ends raced): say it once.
                // A handed-over session still lists its calls; Deliver then refuses and the envelope is routed on.
                if (session.GetCall(callId) is null)
                {
                    if (m.Type == MessageTypes.Declined)
                    {
                        // Perhaps the callee declined an adopted invitation the holding node has not handed back to this
                        // (new) session of the caller yet: that node stops holding it, so the caller is not given a
                        // declined call that rings until its ring time. No-op when no node holds it.
                        await hub.Backplane.EndHeldInvitationAsync(callId, CancellationToken.None).ConfigureAwait(false);
                    }
                    return false;
                }
                session.RemoveCall(callId);
                await hub.Invitations.ReleaseAsync(callId).ConfigureAwait(false);
                return true;
            default:
                return true;
        }
    }

    /// <summary>The callee answered from a session the envelope names: the caller's half is linked to it.</summary>
    private static void Link(Call? call, BackplaneEnvelope envelope)
    {
        if (call is not null && envelope.SenderSession is { } sender)
        {
            call.OtherSession = sender;
        }
    }
}
