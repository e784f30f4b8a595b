using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

// The part of HeldInvitations that holds invitations adopted from a dead node (or kept for a caller whose session
// refused them): delivered to the callee, handed back to the caller's next session, or rung out.
internal sealed partial class HeldInvitations
{
    /// <summary>Invitations a dead node held (see <see cref="IBackplaneHandler.OnInvitationsAdoptedAsync"/>).</summary>
    public async ValueTask AdoptAsync(IReadOnlyList<CallState> calls)
    {
        foreach (CallState state in calls)
        {
            await AdoptOneAsync(state).ConfigureAwait(false);
        }
        await SweepAdoptedAsync(hub.NowMs).ConfigureAwait(false);
    }

    /// <summary>
    /// Holds one invitation in memory as adopted (ringing at most the ring time from now), or lets go of one that has
    /// no caller to ring for (null then).
    /// </summary>
    private async ValueTask<Call?> AdoptOneAsync(CallState state)
    {
        if (state.PendingInvite?.From is null)
        {
            await hub.Backplane.ReleaseInvitationAsync(state.Id, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        Call call = Call.FromState(Clamped(state));
        _adopted[state.Id] = call;
        return call;
    }

    private Task SweepAdoptedAsync(long nowMs) => AdvanceEachAsync(_adopted.Values, nowMs);

    private async Task AdvanceEachAsync(IEnumerable<Call> calls, long nowMs)
    {
        await _adoptedGate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (Call call in calls)
            {
                // Taken meanwhile (handed back, rung out or answered) by an earlier holder of the gate.
                if (_adopted.TryGetValue(call.Id, out Call? current) && ReferenceEquals(current, call))
                {
                    await AdvanceAsync(call, nowMs).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _adoptedGate.Release();
        }
    }

    /// <summary>
    /// One step of an adopted invitation: handed to its caller's new session when the caller is back (that session
    /// rings it from then on), else rung out at the ring time (<c>invite-timeout</c> to the callee, which drops it
    /// if it never got the invitation; the caller has no session to tell), else delivered to the callee.
    /// </summary>
    private async Task AdvanceAsync(Call call, long nowMs)
    {
        // Past its ring time a call is never handed back: its caller may long have heard it end (a stale copy). An
        // answered one (the caller's session here got the accepted) still goes to that session.
        if (call.ExpiresAt <= nowMs && !(call.Accepted && hub.Sessions.TryGetValue(Caller(call), out Session? here) && !here.Ended))
        {
            // Told even when not marked delivered (a delivery may be in flight); a callee without the call drops it.
            if (await ReleaseAdoptedAsync(call) && !call.Accepted)
            {
                var timeout = new ServerMessage { Type = MessageTypes.InviteTimeout, CallId = call.Id };
                await hub.Backplane.PublishToPeerAsync(new PeerId(call.OtherPeer), BackplaneEnvelope.Create(timeout), CancellationToken.None).ConfigureAwait(false);
            }
            return;
        }
        var caller = new PeerId(Caller(call));
        if (hub.Sessions.TryGetValue(caller.Value, out Session? local) && !local.Ended)
        {
            await HandToLocalCallerAsync(local, call).ConfigureAwait(false);
            return;
        }
        if (await hub.Backplane.GetSessionOwnerAsync(caller, CancellationToken.None).ConfigureAwait(false) is not null)
        {
            // Handed over first, let go of only once the caller's node took it: a node that stops in between leaves it
            // held here (a survivor adopts it again; a session that has the call already keeps one copy, see TakeAsync),
            // never held by nobody. If the caller did not take it, it stays adopted here and rings out as before.
            var handed = BackplaneEnvelope.Create(new ServerMessage { Type = MessageTypes.Invite, CallId = call.Id });
            handed.Call = call.ToState();
            if (await hub.Backplane.PublishToPeerAsync(caller, handed, CancellationToken.None).ConfigureAwait(false))
            {
                // Not when a session of the caller on this node took it meanwhile (TakeHandedCallAsync): it holds the
                // invitation under the same id, and a release now would undo that hold.
                // Nor when this node kept it again meanwhile (the hand-over reached a session here that refused it).
                if (_adopted.TryRemove(new KeyValuePair<string, Call>(call.Id, call)))
                {
                    await ReleaseUnlessHeldAsync(call.Id).ConfigureAwait(false);
                }
                return;
            }
        }
        if (call.Delivered)
        {
            return;
        }
        // From no session: the caller's was lost (a notice about it must not end the callee's half), and its next one
        // takes the call back.
        BackplaneEnvelope invite = BackplaneEnvelope.Create(call.PendingInvite!);
        invite.FormerSenderSession = call.HolderSession;
        if (await hub.Backplane.PublishToPeerAsync(new PeerId(call.OtherPeer), invite, CancellationToken.None).ConfigureAwait(false))
        {
            call.Delivered = true;
            // Recorded delivered, so a node adopting it after this one rings the callee out instead of inviting again.
            await hub.Backplane.HoldInvitationAsync(call.ToState(), CancellationToken.None).ConfigureAwait(false);
            await LinkToCalleeAsync(call).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The caller of an adopted invitation is back on this node: its session takes the call here, without the owner
    /// lookup and the routed hand-over a caller on another node needs (a lookup that misses the new session, or a
    /// delivery that finds it replaced, would leave the call with nobody: rung out to the callee only). If the session
    /// ended meanwhile without taking the call along, the call is held here again for the caller's next session.
    /// </summary>
    private async Task HandToLocalCallerAsync(Session session, Call call)
    {
        // The session takes the call (this very object) while it is still adopted here, before this node lets go of
        // it: a hand-over of the session that starts meanwhile either carries the call along or finds it refused (then
        // it stays adopted); an accepted for the caller finds it in one place or the other (see MarkAdoptedAccepted);
        // and an invitation is never held by nobody (released here only when the session holds no copy of its own).
        if (!await TakeAsync(session, call).ConfigureAwait(false))
        {
            return;
        }
        _adopted.TryRemove(new KeyValuePair<string, Call>(call.Id, call));
        if (!_held.ContainsKey(call.Id))
        {
            await hub.Backplane.ReleaseInvitationAsync(call.Id, CancellationToken.None).ConfigureAwait(false);
        }
        if (session.Ended && session.RemoveCall(call.Id) is not null)
        {
            _held.TryRemove(call.Id, out _);
            _adopted[call.Id] = call;
            await hub.Backplane.HoldInvitationAsync(call.ToState(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An <c>accepted</c> reached <paramref name="caller"/>'s session for a call this node still holds as adopted (on
    /// its way to that session): the call is marked answered, so it goes to the session as such and is never rung out.
    /// </summary>
    public void MarkAdoptedAccepted(string callId, PeerId caller)
    {
        if (_adopted.TryGetValue(callId, out Call? call) && call.PendingInvite?.From == caller.Value)
        {
            call.Accepted = true;
            call.Delivered = true;
        }
    }

    /// <summary>
    /// True while this node holds <paramref name="callId"/> as an adopted invitation: the adoption decides how that call
    /// ends (handed back to its caller, or rung out to both), not a lost-peer notice about its caller's dead session.
    /// </summary>
    public bool IsAdopted(string callId) => _adopted.ContainsKey(callId);

    /// <summary>The callee answered an adopted invitation on another node while its caller had no session.</summary>
    public async ValueTask EndAdoptedAsync(string callId)
    {
        if (_adopted.TryRemove(callId, out _))
        {
            await hub.Backplane.ReleaseInvitationAsync(callId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A survivor adopted these invitations while this node was presumed dead: it no longer holds them.</summary>
    public ValueTask DropTaken(IReadOnlyList<string> callIds)
    {
        foreach (string callId in callIds)
        {
            _held.TryRemove(callId, out _);
            _adopted.TryRemove(callId, out _);
        }
        return ValueTask.CompletedTask;
    }

    private async Task<bool> ReleaseAdoptedAsync(Call call)
    {
        if (!_adopted.TryRemove(call.Id, out _))
        {
            return false;
        }
        await hub.Backplane.ReleaseInvitationAsync(call.Id, CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    private static string Caller(Call call) => call.PendingInvite!.From!;
}
