using System.Collections.Concurrent;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Diagnostics;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// Session takeover, resume handover, ending (the close cascade: session → rooms (member-left) → calls →
/// backplane subscription and ownership), and what the backplane delivers to local sessions.
/// </summary>
internal sealed partial class SessionLifecycle(SignalingHub hub)
{
    /// <summary>Sessions being taken over from another node, by peer (see <see cref="PendingResume"/>).</summary>
    private readonly ConcurrentDictionary<string, PendingResume> _pendingResumes = new(StringComparer.Ordinal);

    /// <summary><c>hub.Sessions</c> looked up by span (<see cref="TryDeliverRelay"/>).</summary>
    private readonly ConcurrentDictionary<string, Session>.AlternateLookup<ReadOnlySpan<char>> _sessionsBySpan = hub.Sessions.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Calls handed to a peer (see <see cref="BackplaneEnvelope.Call"/>) while a takeover that failed was held.</summary>
    private readonly ConcurrentDictionary<string, List<CallState>> _leftoverCalls = new(StringComparer.Ordinal);

    /// <summary>
    /// A peer says hello while it may still own a session (here or on another node): returns that session
    /// when it can be resumed from <paramref name="lastSeq"/> with <paramref name="resumeId"/>, else ends it.
    /// </summary>
    public async Task<Session?> TakeOverAsync(PeerId peer, string? resumeId, long lastSeq)
    {
        SessionOwner? owner = await hub.Backplane.GetSessionOwnerAsync(peer, CancellationToken.None).ConfigureAwait(false);
        if (hub.Sessions.TryGetValue(peer.Value, out Session? local))
        {
            if (resumeId == local.Id && local.CanResumeFrom(lastSeq))
            {
                local.DetachAny(hub.Time.GetTimestamp())?.Close(CloseCodes.Replaced);
                return local;
            }
            await EndSessionAsync(local, "closed", CloseCodes.Replaced).ConfigureAwait(false);
            return null;
        }
        if (owner is null || owner.NodeId == hub.NodeId)
        {
            return null;
        }
        // Envelopes the backplane routes here while the owner hands over are held, then delivered after its frames.
        var pending = new PendingResume();
        _pendingResumes[peer.Value] = pending;
        long lossMark = hub.Recovery.Losses.Mark(); // lost-peer notices applied from here on miss the session (RecentLosses)
        try
        {
            ResumeState? state = await hub.Backplane.RequestHandoverAsync(owner, peer, resumeId, CancellationToken.None).ConfigureAwait(false);
            if (state is null)
            {
                return null;
            }
            // The session arrived from another node: there is no current token yet; the caller sets it.
            var claims = new Tokens.PeerClaims(peer.Value, [], Tokens.Permissions.None, DateTimeOffset.MaxValue);
            Session session = Session.FromResumeState(peer, claims, state, hub.Options.ResumeBufferMessages, hub.Options.ResumeBufferBytes);
            foreach (RoomMembership room in state.Rooms)
            {
                hub.TrackRoomJoined(room.Room);
            }
            if (state.SessionId != resumeId || !Session.CanResume(state, lastSeq))
            {
                // Handed over but not resumable from what the client saw: end it properly (members are told).
                hub.Sessions[peer.Value] = session;
                await EndSessionAsync(session, "closed").ConfigureAwait(false);
                return null;
            }
            await InstallAsync(pending, session).ConfigureAwait(false);
            try
            {
                await hub.Recovery.ApplyLossesSinceAsync(session, lossMark, state.Calls.Select(c => c.Id)).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The session is installed: the resume succeeds even if ending a lost peer's call failed (logged).
            catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
            {
                Log.BackplaneFailed(hub.Logger, ex);
            }
            return session;
        }
        finally
        {
            await AbandonAsync(peer, pending).ConfigureAwait(false);
            _pendingResumes.TryRemove(new KeyValuePair<string, PendingResume>(peer.Value, pending));
        }
    }

    /// <summary>Makes a handed-over session live, then delivers what was held for it meanwhile, in order.</summary>
    private async Task InstallAsync(PendingResume pending, Session session)
    {
        await pending.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (Call call in session.Calls().Where(c => c.Outgoing && !c.Delivered && c.PendingInvite is not null))
            {
                await hub.Invitations.HoldAsync(session, call).ConfigureAwait(false);
            }
            hub.Sessions[session.Peer.Value] = session;
            foreach (BackplaneEnvelope envelope in pending.Held)
            {
                await DeliverAsync(session, envelope).ConfigureAwait(false);
            }
            pending.Held.Clear();
            pending.Session = session;
        }
        finally
        {
            pending.Gate.Release();
        }
    }

    /// <summary>
    /// Stops holding for a takeover. When it failed, what was held is dropped (the peer starts a new session), except
    /// calls handed to the peer: the new session takes them (<see cref="TakeLeftoverCallsAsync"/>).
    /// </summary>
    private async Task AbandonAsync(PeerId peer, PendingResume pending)
    {
        await pending.Gate.WaitAsync().ConfigureAwait(false);
        pending.Abandoned = pending.Session is null;
        if (pending.Abandoned && pending.Held.Any(e => e.Call is not null))
        {
            _leftoverCalls[peer.Value] = [.. pending.Held.Where(e => e.Call is not null).Select(e => e.Call!)];
        }
        pending.Held.Clear();
        pending.Gate.Release();
    }

    /// <summary>A new session of the peer takes the calls handed to it while its failed takeover was held.</summary>
    public async Task TakeLeftoverCallsAsync(Session session)
    {
        if (!_leftoverCalls.IsEmpty && _leftoverCalls.TryRemove(session.Peer.Value, out List<CallState>? calls))
        {
            var refused = new List<CallState>();
            foreach (CallState call in calls)
            {
                if (!await hub.Invitations.TakeHandedCallAsync(session, call).ConfigureAwait(false))
                {
                    refused.Add(call);
                }
            }
            if (refused.Count > 0)
            {
                // The session ended or was handed over at that moment: nobody else holds these calls any more (their
                // sender let go once this node took them), so this node keeps them for the caller's next session.
                await hub.Invitations.AdvanceAsync(await hub.Invitations.KeepRefusedAsync(refused).ConfigureAwait(false)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Another node takes the peer over: hand the session over (resume) or end it.</summary>
    public async ValueTask<ResumeState?> OnHandoverRequestedAsync(PeerId peer, string? resumeSessionId)
    {
        if (!hub.Sessions.TryGetValue(peer.Value, out Session? session))
        {
            return null;
        }
        if (resumeSessionId != session.Id)
        {
            await EndSessionAsync(session, "closed", CloseCodes.Replaced).ConfigureAwait(false);
            return null;
        }
        // From here on the session refuses deliveries: the backplane routes them to the new node.
        ResumeState state = session.HandOver();
        session.Ended = true;
        if (!hub.Sessions.TryRemove(new KeyValuePair<string, Session>(peer.Value, session)))
        {
            return null;
        }
        session.DetachAny(hub.Time.GetTimestamp())?.Close(CloseCodes.Replaced);
        foreach (Call call in session.Calls())
        {
            await hub.Invitations.ReleaseAsync(call.Id).ConfigureAwait(false);
        }
        foreach (RoomMembership room in session.Rooms())
        {
            hub.TrackRoomLeft(room.Room);
        }
        await hub.Backplane.UnsubscribePeerAsync(peer, CancellationToken.None).ConfigureAwait(false);
        Log.SessionEnded(hub.Logger, session.Id, peer.Value, "handed over");
        return state;
    }

    /// <summary>
    /// Ends a session: closes its socket, removes it from its rooms and ends its calls. With <paramref name="keepRoute"/>
    /// the peer stays routed to this node and owned by the session (a new session of the peer replaces it at once).
    /// </summary>
    public async Task EndSessionAsync(Session session, string reason, int closeCode = 0, bool keepRoute = false)
    {
        if (!hub.Sessions.TryRemove(new KeyValuePair<string, Session>(session.Peer.Value, session)))
        {
            return;
        }
        session.Ended = true;
        SignalingConnection? connection = session.DetachAny(hub.Time.GetTimestamp());
        if (closeCode != 0)
        {
            connection?.Close(closeCode);
        }
        foreach (RoomMembership room in session.Rooms())
        {
            await LeaveRoomAsync(session, room.Room, reason).ConfigureAwait(false);
        }
        foreach (Call call in session.Calls())
        {
            await EndCallAsync(session, call).ConfigureAwait(false);
        }
        if (!keepRoute)
        {
            await hub.Backplane.UnsubscribePeerAsync(session.Peer, CancellationToken.None).ConfigureAwait(false);
            await hub.Backplane.RemoveSessionOwnerAsync(session.Peer, session.Id, CancellationToken.None).ConfigureAwait(false);
        }
        Log.SessionEnded(hub.Logger, session.Id, session.Peer.Value, reason);
    }

    /// <summary>
    /// What the other party of <paramref name="call"/> gets when one side's session ends it: <c>hangup</c> for an
    /// accepted call, else <c>cancelled</c> when the caller ended it or <c>declined</c> <c>gone</c> when the callee did.
    /// </summary>
    internal static ServerMessage CallEnded(Call call, bool endedByCaller, string endedBy)
    {
        string type = call.Accepted ? MessageTypes.Hangup : endedByCaller ? MessageTypes.Cancelled : MessageTypes.Declined;
        return new ServerMessage { Type = type, CallId = call.Id, From = endedBy, Reason = type == MessageTypes.Declined ? "gone" : null };
    }

    /// <summary>Removes the session from a room and tells the others; accepted calls in that room are hung up.</summary>
    public async Task LeaveRoomAsync(Session session, string room, string reason)
    {
        session.RemoveRoom(room);
        hub.TrackRoomLeft(room);
        var roomId = new RoomId(room);
        if (await hub.Backplane.RemoveMemberAsync(roomId, session.Peer, CancellationToken.None).ConfigureAwait(false))
        {
            var left = new ServerMessage { Type = MessageTypes.MemberLeft, Room = room, Peer = session.Peer.Value, Reason = reason };
            await hub.Backplane.PublishToRoomAsync(roomId, BackplaneEnvelope.Create(left, session.Peer), CancellationToken.None).ConfigureAwait(false);
            if ((await hub.Backplane.GetMembersAsync(roomId, CancellationToken.None).ConfigureAwait(false)).Count == 0)
            {
                Log.RoomRemoved(hub.Logger, room);
            }
        }
        foreach (Call call in session.Calls().Where(c => c.Room == room && c.Accepted))
        {
            await EndCallAsync(session, call).ConfigureAwait(false);
        }
    }

    /// <summary>Ends one side of a call and tells the other party what it means for them.</summary>
    public async Task EndCallAsync(Session session, Call call)
    {
        if (session.RemoveCall(call.Id) is null)
        {
            return;
        }
        await hub.Invitations.ReleaseAsync(call.Id).ConfigureAwait(false);
        if (call.Outgoing && !call.Accepted && !call.Delivered)
        {
            return;
        }
        ServerMessage message = CallEnded(call, endedByCaller: call.Outgoing, endedBy: session.Peer.Value);
        await hub.Backplane.PublishToPeerAsync(new PeerId(call.OtherPeer), BackplaneEnvelope.Create(message), CancellationToken.None).ConfigureAwait(false);
    }
}
