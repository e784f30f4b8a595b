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
internal sealed partial class HeldInvitations(SignalingHub hub)
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
    /// <remarks>
    /// Memory first, then the backplane (the write is issued before this returns to any other task): a release of an
    /// earlier copy under the same id that checks <see cref="_held"/> later keeps it, and one that checked earlier
    /// writes it again (<see cref="ReleaseUnlessHeldAsync"/>).
    /// </remarks>
    public async Task HoldAsync(Session caller, Call call)
    {
        _held[call.Id] = (caller, call);
        await hub.Backplane.HoldInvitationAsync(call.ToState(caller.Id), CancellationToken.None).ConfigureAwait(false);
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
        if (_adopted.TryRemove(state.Id, out _))
        {
            await ReleaseUnlessHeldAsync(state.Id).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Calls handed to a caller whose session refused them (it ended or was handed over at that moment, see
    /// <see cref="SessionLifecycle.TakeLeftoverCallsAsync"/> and <see cref="IBackplaneHandler.OnHandedCallRefusedAsync"/>):
    /// nobody else holds them, so this node holds them as if adopted from a dead node: handed to the caller's next
    /// session, delivered to the callee, or rung out, by the next sweep (or <see cref="AdvanceAsync(IReadOnlyList{Call})"/>).
    /// Only recorded here (one backplane write per refused call, none for the other adopted calls), no wait for the sweep
    /// (this runs on the node channel).
    /// </summary>
    /// <returns>The calls now adopted here.</returns>
    public async Task<List<Call>> KeepRefusedAsync(IReadOnlyList<CallState> calls)
    {
        var kept = new List<Call>(calls.Count);
        foreach (CallState state in calls)
        {
            // Memory first (see HoldAsync): a hand-back publisher of this node releasing its own copy keeps this one.
            if (await AdoptOneAsync(state).ConfigureAwait(false) is not { } call)
            {
                continue;
            }
            kept.Add(call);
            await hub.Backplane.HoldInvitationAsync(call.ToState(), CancellationToken.None).ConfigureAwait(false);
        }
        return kept;
    }

    /// <summary>Advances these adopted calls now (each one step, see <see cref="KeepRefusedAsync"/>).</summary>
    public Task AdvanceAsync(IReadOnlyList<Call> calls) => calls.Count == 0 ? Task.CompletedTask : AdvanceEachAsync(calls, hub.NowMs);

    /// <summary>
    /// Releases the backplane copy of a call this node let go of, unless a session here holds it. A copy taken here at
    /// the same moment (a session's hold, a refused hand-back kept) is in memory before its write is issued: if it
    /// appeared after the check, its write may have gone first, so it is written again.
    /// </summary>
    private async Task ReleaseUnlessHeldAsync(string callId)
    {
        if (_held.ContainsKey(callId))
        {
            return;
        }
        await hub.Backplane.ReleaseInvitationAsync(callId, CancellationToken.None).ConfigureAwait(false);
        if (_held.TryGetValue(callId, out (Session Caller, Call Call) held))
        {
            await hub.Backplane.HoldInvitationAsync(held.Call.ToState(held.Caller.Id), CancellationToken.None).ConfigureAwait(false);
        }
        else if (_adopted.TryGetValue(callId, out Call? adopted))
        {
            await hub.Backplane.HoldInvitationAsync(adopted.ToState(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A held call rings at most the configured ring time from now (a corrupt or hostile copy never longer).</summary>
    private CallState Clamped(CallState state)
    {
        long latest = hub.NowMs + hub.Options.RingTimeoutMs;
        if (state.ExpiresAt > latest)
        {
            state.ExpiresAt = latest;
        }
        return state;
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

}
