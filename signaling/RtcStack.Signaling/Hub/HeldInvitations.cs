using System.Collections.Concurrent;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// Invitations this node holds for offline callees, delivered when the callee connects (here, or to any node: they
/// are retried once a second) before the ring time ends. Two kinds: those of this node's callers (the caller's session
/// keeps the call and runs its ring timer), and those adopted from a dead node (<see cref="AdoptAsync"/>), whose caller
/// has no session: this node rings them out itself, or hands the call to the caller when it connects again. Each is
/// also kept in the backplane (<see cref="IBackplane.HoldInvitationAsync"/>) so it survives this node.
/// </summary>
internal sealed class HeldInvitations(SignalingHub hub)
{
    private readonly ConcurrentDictionary<string, (Session Caller, Call Call)> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Call> _adopted = new(StringComparer.Ordinal);

    // Adopted calls are delivered, handed to their caller or rung out by one task at a time (sweep or a hello).
    private readonly SemaphoreSlim _adoptedGate = new(1, 1);

    /// <summary>Writes a new invitation to the backplane (before the caller is told its call id).</summary>
    public ValueTask PersistAsync(Session caller, Call call) => hub.Backplane.HoldInvitationAsync(call.ToState(caller.Id), CancellationToken.None);

    /// <summary>Sends a new invitation (persisted already); it stays held here while the callee is offline.</summary>
    public async Task InviteAsync(Session caller, Call call)
    {
        _held[call.Id] = (caller, call);
        await TryDeliverAsync(call.Id, caller, call).ConfigureAwait(false);
    }

    /// <summary>Holds an invitation of <paramref name="caller"/> (shared first: a delivery that follows releases it).</summary>
    public async Task HoldAsync(Session caller, Call call)
    {
        await hub.Backplane.HoldInvitationAsync(call.ToState(caller.Id), CancellationToken.None).ConfigureAwait(false);
        _held[call.Id] = (caller, call);
    }

    /// <summary>The invitation is no longer held here (delivered, answered, ended, rung out or handed over).</summary>
    public async Task ReleaseAsync(string callId)
    {
        if (_held.TryRemove(callId, out _) | _adopted.TryRemove(callId, out _))
        {
            await hub.Backplane.ReleaseInvitationAsync(callId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A peer connected: deliver what is held for it.</summary>
    public async Task DeliverToAsync(PeerId peer)
    {
        foreach ((string callId, (Session caller, Call call)) in _held)
        {
            if (call.OtherPeer == peer.Value)
            {
                await TryDeliverAsync(callId, caller, call).ConfigureAwait(false);
            }
        }
        Call[] theirs = [.. _adopted.Values.Where(c => c.OtherPeer == peer.Value || c.PendingInvite?.From == peer.Value)];
        if (theirs.Length > 0)
        {
            // Only this peer's calls (one Redis round trip each): the sweep advances the others.
            await AdvanceEachAsync(theirs, hub.NowMs).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes a held invitation; once it reaches the callee's node it is no longer held.</summary>
    /// <remarks>The sweep and a callee's hello may both try at once: one delivery at a time per call, so never twice.</remarks>
    public async Task TryDeliverAsync(string callId, Session caller, Call call)
    {
        if (!call.TryBeginDelivery())
        {
            return;
        }
        try
        {
            if (call.PendingInvite is null || caller.Ended || caller.GetCall(callId) is null)
            {
                await ReleaseAsync(callId).ConfigureAwait(false);
                return;
            }
            BackplaneEnvelope invite = BackplaneEnvelope.Create(call.PendingInvite);
            invite.SenderSession = caller.Id;
            if (await hub.Backplane.PublishToPeerAsync(new PeerId(call.OtherPeer), invite, CancellationToken.None).ConfigureAwait(false))
            {
                call.Delivered = true;
                call.PendingInvite = null;
                await ReleaseAsync(callId).ConfigureAwait(false);
                await LinkToCalleeAsync(call).ConfigureAwait(false);
            }
        }
        finally
        {
            call.EndDelivery();
        }
    }

    /// <summary>Once a second: retries every held invitation and rings out the adopted ones.</summary>
    public async Task SweepAsync(long nowMs)
    {
        foreach ((string callId, (Session caller, Call call)) in _held)
        {
            await TryDeliverAsync(callId, caller, call).ConfigureAwait(false);
        }
        if (!_adopted.IsEmpty)
        {
            await SweepAdoptedAsync(nowMs).ConfigureAwait(false);
        }
    }

    /// <summary>Invitations a dead node held (see <see cref="IBackplaneHandler.OnInvitationsAdoptedAsync"/>).</summary>
    public async ValueTask AdoptAsync(IReadOnlyList<CallState> calls)
    {
        foreach (CallState state in calls)
        {
            if (state.PendingInvite?.From is null)
            {
                await hub.Backplane.ReleaseInvitationAsync(state.Id, CancellationToken.None).ConfigureAwait(false);
                continue;
            }
            _adopted[state.Id] = Call.FromState(state);
        }
        await SweepAdoptedAsync(hub.NowMs).ConfigureAwait(false);
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
                if (_adopted.TryRemove(new KeyValuePair<string, Call>(call.Id, call)) && !_held.ContainsKey(call.Id))
                {
                    await hub.Backplane.ReleaseInvitationAsync(call.Id, CancellationToken.None).ConfigureAwait(false);
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

    /// <summary>
    /// The caller of an adopted invitation connected again: its session takes the call as its own outgoing call (and
    /// holds the invitation if it is still undelivered). False when the session was handed over or ended before it took
    /// the call (the sender keeps it).
    /// </summary>
    public async Task<bool> TakeHandedCallAsync(Session session, CallState state)
    {
        if (!await TakeAsync(session, Call.FromState(state)).ConfigureAwait(false))
        {
            return false;
        }
        // Handed back by this very node (the caller came here while the hand-over was routed): no longer adopted here,
        // and released unless the session holds the invitation itself (under the same id).
        if (_adopted.TryRemove(state.Id, out _) && !_held.ContainsKey(state.Id))
        {
            await hub.Backplane.ReleaseInvitationAsync(state.Id, CancellationToken.None).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Calls handed to a caller whose new session refused them (it ended or was handed over at that moment, see
    /// <see cref="SessionLifecycle.TakeLeftoverCallsAsync"/>): nobody else holds them, so this node holds them as if
    /// adopted from a dead node: handed to the caller's next session, delivered to the callee, or rung out.
    /// </summary>
    public async Task KeepRefusedAsync(IReadOnlyList<CallState> calls)
    {
        foreach (CallState state in calls.Where(s => s.PendingInvite?.From is not null))
        {
            await hub.Backplane.HoldInvitationAsync(state, CancellationToken.None).ConfigureAwait(false);
        }
        await AdoptAsync(calls).ConfigureAwait(false);
    }

    private async Task<bool> TakeAsync(Session session, Call call)
    {
        if (session.Ended)
        {
            return false;
        }
        if (session.GetCall(call.Id) is { } existing)
        {
            // The session kept the call (its node was cut off, presumed dead, and a survivor adopted the invitation):
            // whichever copy reached the callee wins, and the invitation is held here only while neither did.
            if (call.Delivered && !existing.Delivered)
            {
                existing.Delivered = true;
                existing.PendingInvite = null;
                existing.OtherSession ??= call.OtherSession;
                await ReleaseAsync(existing.Id).ConfigureAwait(false);
            }
            else if (!existing.Delivered && existing.PendingInvite is not null && !_held.ContainsKey(existing.Id))
            {
                await HoldAsync(session, existing).ConfigureAwait(false);
            }
            return true;
        }
        if (!session.TryAddCall(call))
        {
            return false;
        }
        if (!call.Delivered)
        {
            await HoldAsync(session, call).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// An invitation reached its callee's node: the call is linked to the callee's session (looked up after the delivery,
    /// so it is the session that got the invitation or a later one; never an earlier, lost one). Until the callee answers
    /// (which links it again) a notice about a lost session of the callee ends the call only if it is that session.
    /// </summary>
    private async Task LinkToCalleeAsync(Call call)
    {
        if (call.OtherSession is null
            && await hub.Backplane.GetSessionOwnerAsync(new PeerId(call.OtherPeer), CancellationToken.None).ConfigureAwait(false) is { } owner)
        {
            call.OtherSession ??= owner.SessionId;
        }
    }

    private static string Caller(Call call) => call.PendingInvite!.From!;
}
