using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Diagnostics;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// What this node does when another node's sessions are lost (the node died, or did not answer a handover) and
/// when this node comes back after being cut off from the backplane: the same presence and call messages as when a
/// session ends on one node, so every member's view of rooms and calls agrees again.
/// </summary>
internal sealed class NodeRecovery(SignalingHub hub)
{
    /// <summary>Lost-peer notices applied lately (for sessions still being handed over to this node).</summary>
    public RecentLosses Losses { get; } = new(hub.Time);

    /// <summary>
    /// The backplane removed memberships of sessions that are gone with their node (or did not answer a handover):
    /// tell each room, as when a resume window runs out (<c>member-left</c>, reason <c>timeout</c>).
    /// </summary>
    public async ValueTask OnMembershipsLostAsync(IReadOnlyList<LostMembership> lost)
    {
        foreach (LostMembership membership in lost)
        {
            await hub.Backplane.PublishToRoomAsync(membership.Room, BackplaneEnvelope.Create(Left(membership.Room.Value, membership.Peer.Value), membership.Peer), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sessions gone with their node (reported to every node, see <see cref="IBackplaneHandler.OnSessionsLostAsync"/>):
    /// end this node's calls with them and tell each local party what the lost session would have sent had it ended.
    /// Only calls with the sessions lost end (<see cref="Call.EndsWhenLost"/>): a notice applied late leaves alone a call
    /// made with, or handed back to, a newer session of the same peer. A call is ended by whoever removes it from its
    /// session, so a second report changes nothing.
    /// </summary>
    public async ValueTask OnSessionsLostAsync(IReadOnlyList<LostSession> lost)
    {
        Dictionary<string, List<string?>> byPeer = ByPeer(lost);
        RecentLosses.Notice notice = Losses.Record(lost); // first: a session installed after this loop gets it from ApplyLossesSinceAsync
        foreach (Session session in hub.Sessions.Values)
        {
            // Not a call whose invitation this node adopted from the dead node: the notice may be applied after the
            // adoption delivered that invitation (the notice and the adoption race), and ending it here would also drop
            // the adopted copy, so neither its caller (coming back) nor its callee would ever hear it ring out.
            await EndCallsAsync(session, c => Ends(byPeer, c) && !hub.Invitations.IsAdopted(c.Id)).ConfigureAwait(false);
            // The notice a half ignored is the one the adoption that made it was about: it is ignored once. The same
            // session may be handed the call back (its node was only cut off) and be lost for real later; that ends it.
            SpendIgnores(session, byPeer);
        }
        // Only now may a delivery spend its ignore against this notice (Losses.Named): had it done so while this loop
        // was running, the loop would then have ended the very half the ignore is for. Halves delivered during the loop,
        // after it passed their session, are spent here.
        Losses.Applied(notice);
        foreach (Session session in hub.Sessions.Values)
        {
            SpendIgnores(session, byPeer);
        }
    }

    /// <summary>The halves of <paramref name="session"/> that ignored this notice have spent their ignore.</summary>
    private static void SpendIgnores(Session session, Dictionary<string, List<string?>> byPeer)
    {
        foreach (Call spared in session.CallsWhere(c => IgnoresNotice(byPeer, c)))
        {
            spared.IgnoredSession = null;
        }
    }

    /// <summary>Peers lost without saying which sessions (every call with them ends).</summary>
    public ValueTask OnPeersLostAsync(IReadOnlyList<PeerId> peers) => OnSessionsLostAsync([.. peers.Select(p => new LostSession(p, null))]);

    /// <summary>
    /// A session handed over from another node was just installed: end its handed-over calls (<paramref name="callIds"/>,
    /// not calls delivered to it since) with the sessions reported lost after <paramref name="mark"/>, which the loop in
    /// <see cref="OnSessionsLostAsync"/> may have run before the session was installed. Ending a call twice has no effect.
    /// </summary>
    public async Task ApplyLossesSinceAsync(Session session, long mark, IEnumerable<string> callIds)
    {
        List<LostSession> lost = Losses.Since(mark);
        if (lost.Count == 0)
        {
            return;
        }
        Dictionary<string, List<string?>> byPeer = ByPeer(lost);
        var handed = callIds.ToHashSet(StringComparer.Ordinal);
        await EndCallsAsync(session, c => handed.Contains(c.Id) && Ends(byPeer, c)).ConfigureAwait(false);
    }

    private static Dictionary<string, List<string?>> ByPeer(IReadOnlyCollection<LostSession> lost)
    {
        var byPeer = new Dictionary<string, List<string?>>(StringComparer.Ordinal);
        foreach (LostSession session in lost)
        {
            if (!byPeer.TryGetValue(session.Peer.Value, out List<string?>? sessions))
            {
                byPeer[session.Peer.Value] = sessions = [];
            }
            sessions.Add(session.SessionId);
        }
        return byPeer;
    }

    private static bool IgnoresNotice(Dictionary<string, List<string?>> byPeer, Call call) =>
        call.IgnoredSession is { } ignored && byPeer.TryGetValue(call.OtherPeer, out List<string?>? sessions) && sessions.Contains(ignored);

    private static bool Ends(Dictionary<string, List<string?>> byPeer, Call call) =>
        byPeer.TryGetValue(call.OtherPeer, out List<string?>? sessions) && sessions.Exists(call.EndsWhenLost);

    /// <summary>
    /// This node was presumed dead and wrote these sessions back: the other nodes ended their calls with them, so
    /// they end here too (calls between two sessions of this node carry on; so do outgoing invitations not yet
    /// delivered: the survivor that adopted them hands each back to its caller, see
    /// <see cref="HeldInvitations.TakeHandedCallAsync"/>, and this node stopped holding its own copies).
    /// </summary>
    public async ValueTask OnSessionsRevivedAsync(IReadOnlyList<PeerId> peers)
    {
        foreach (PeerId peer in peers)
        {
            if (hub.Sessions.TryGetValue(peer.Value, out Session? session))
            {
                await EndCallsAsync(session, c => !hub.Sessions.ContainsKey(c.OtherPeer) && (c.Accepted || !c.Outgoing || c.Delivered)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// This node is back after an outage and these peers are owned by another node now (they resumed there): drop the
    /// leftover sessions at once, as a handover would (no <c>member-left</c>: the peer is alive elsewhere, and its
    /// memberships belong to its new session). Its calls with this node's other sessions end for them (<c>hangup</c>,
    /// <c>cancelled</c>, <c>declined</c> <c>gone</c>); parties on other nodes were told when the peer was lost.
    /// </summary>
    public async ValueTask OnSessionsTakenOverAsync(IReadOnlyList<LeftoverSession> leftovers)
    {
        foreach (LeftoverSession leftover in leftovers)
        {
            if (!hub.Sessions.TryGetValue(leftover.Peer.Value, out Session? session) || session.Id != leftover.SessionId
                || !hub.Sessions.TryRemove(new KeyValuePair<string, Session>(leftover.Peer.Value, session)))
            {
                continue;
            }
            session.Ended = true;
            session.DetachAny(hub.Time.GetTimestamp())?.Close(CloseCodes.Replaced);
            foreach (Call call in session.Calls())
            {
                if (session.RemoveCall(call.Id) is null)
                {
                    continue;
                }
                await TryReleaseAsync(call.Id).ConfigureAwait(false);
                if (hub.Sessions.TryGetValue(call.OtherPeer, out Session? partner))
                {
                    await EndCallsAsync(partner, c => c.Id == call.Id).ConfigureAwait(false);
                }
            }
            foreach (RoomMembership room in session.Rooms())
            {
                hub.TrackRoomLeft(room.Room);
            }
            Log.SessionEnded(hub.Logger, session.Id, leftover.Peer.Value, "taken over by another node");
        }
    }

    /// <summary>
    /// This node is back after a backplane outage: the members on other nodes hear about this node's members that
    /// came back or left meanwhile, and this node's members hear what changed on the other nodes.
    /// </summary>
    /// <remarks>
    /// Every link the outage broke gets a <c>member-joined</c> with <c>restored: true</c> on <em>both</em> ends, so
    /// both clients know to rebuild it (neither is a newcomer that would offer first): a member written back and each
    /// member on the other nodes; a member that joined while cut off and each of them; a member on another node this
    /// node's members did not hear of and each of them. This node's members hear theirs before anything is published,
    /// so their answer to the other side's fresh offer can never reach a link they are about to replace.
    /// </remarks>
    public async ValueTask OnPresenceRepairedAsync(PresenceRepair repair)
    {
        string room = repair.Room.Value;
        var returned = repair.Returned.Select(m => m.Peer).ToHashSet(StringComparer.Ordinal);
        var newcomers = repair.Newcomers.Select(p => p.Value).ToHashSet(StringComparer.Ordinal);
        var unknown = repair.Joined.Select(m => m.Peer).ToHashSet(StringComparer.Ordinal);
        // This node's members that kept their place but missed the joins on other nodes: those members get them back.
        var missed = new List<RoomMember>();
        foreach (Session session in hub.Sessions.Values.Where(s => !s.Ended && s.InRoom(room)))
        {
            string peer = session.Peer.Value;
            if (newcomers.Contains(peer) || returned.Contains(peer))
            {
                // Nobody on the other nodes is linked with it: it rebuilds every link (and hears each meta afresh).
                Deliver(session, repair.Others.Select(m => Restored(room, m)));
                if (!newcomers.Contains(peer))
                {
                    Deliver(session, repair.Left.Select(p => Left(room, p.Value)));
                }
                continue;
            }
            Deliver(session, repair.Joined.Select(m => Restored(room, m)));
            Deliver(session, repair.Left.Select(p => Left(room, p.Value)));
            Deliver(session, repair.Updated.Select(m => Presence(MessageTypes.MemberUpdated, room, m)));
            if (unknown.Count > 0)
            {
                missed.Add(new RoomMember(peer, session.Rooms().FirstOrDefault(r => r.Room == room)?.MetaJson));
            }
        }
        foreach (RoomMember other in repair.Others)
        {
            var to = new PeerId(other.Peer);
            IEnumerable<RoomMember> back = unknown.Contains(other.Peer) ? repair.Returned.Concat(missed) : repair.Returned;
            foreach (RoomMember member in back)
            {
                await hub.Backplane.PublishToPeerAsync(to, BackplaneEnvelope.Create(Restored(room, member)), CancellationToken.None).ConfigureAwait(false);
            }
            foreach (PeerId gone in repair.Departed)
            {
                await hub.Backplane.PublishToPeerAsync(to, BackplaneEnvelope.Create(Left(room, gone.Value)), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task EndCallsAsync(Session session, Func<Call, bool> which)
    {
        // Called for every session of the node per report: most have no call, and that costs no allocation.
        foreach (Call call in session.CallsWhere(which))
        {
            if (session.RemoveCall(call.Id) is not null)
            {
                // Told first: the session hears its call ended even if releasing the held invitation fails.
                session.Deliver(SessionLifecycle.CallEnded(call, endedByCaller: !call.Outgoing, endedBy: call.OtherPeer));
                await TryReleaseAsync(call.Id).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Releases a held invitation of an ended call; a failure is logged, not thrown, so that the other calls of the
    /// report (and of later sessions) still end.
    /// </summary>
    private async Task TryReleaseAsync(string callId)
    {
        try
        {
            await hub.Invitations.ReleaseAsync(callId).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The call has ended here whatever the backplane says: the next calls must end too (logged).
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            Log.BackplaneFailed(hub.Logger, ex);
        }
    }

    private static void Deliver(Session session, IEnumerable<ServerMessage> messages)
    {
        foreach (ServerMessage message in messages)
        {
            session.Deliver(message);
        }
    }

    private static ServerMessage Presence(string type, string room, RoomMember member) =>
        new() { Type = type, Room = room, Peer = member.Peer, Meta = RoomCommands.Meta(member.MetaJson) };

    private static ServerMessage Restored(string room, RoomMember member) =>
        new() { Type = MessageTypes.MemberJoined, Room = room, Peer = member.Peer, Meta = RoomCommands.Meta(member.MetaJson), Restored = true };

    private static ServerMessage Left(string room, string peer) =>
        new() { Type = MessageTypes.MemberLeft, Room = room, Peer = peer, Reason = "timeout" };
}
