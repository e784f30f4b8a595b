using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// After this node wrote its state back into Redis (<see cref="RedisResync"/>), makes every room's presence consistent
/// again on both sides: the changes this node made while cut off reach Redis and the other nodes, and this node's
/// sessions hear what changed elsewhere meanwhile (pub/sub messages sent while a node is disconnected are lost).
/// </summary>
internal sealed class RedisPresenceRepair(RedisKeys keys, LocalMirror local, RemotePresence presence, string nodeId, ILogger logger)
{
    // Leaves taken into Redis by an attempt that failed later: a retry no longer finds them there, yet must send them.
    private readonly HashSet<(string Room, string Peer)> _departed = [];

    /// <summary>
    /// Takes this node's own leaves back into Redis and reads every room, then works out per room what each side
    /// missed and only then hands it to <paramref name="handler"/>: a Redis error part-way sends nothing, and the retry
    /// sends everything once. Returns the number of rooms repaired and of leaves sent.
    /// </summary>
    public async Task<(int Rooms, int Departed)> RunAsync(IDatabase db, IBackplaneHandler handler, RepairInput input)
    {
        await ForgetEndedSessionsAsync(db, _departed).ConfigureAwait(false);
        foreach ((string room, string peer) in input.Leaves)
        {
            // Only while no other node owns the peer now (RemoveMember checks): a swept peer was removed already.
            if ((long)await db.ScriptEvaluateAsync(RedisScripts.RemoveMember, [keys.Room(room), keys.PeerRooms(peer), keys.Owner(peer)], [peer, room, nodeId]).ConfigureAwait(false) == 1)
            {
                _departed.Add((room, peer));
            }
        }

        var rooms = new HashSet<string>(local.Snapshot().Select(m => m.Room), StringComparer.Ordinal);
        rooms.UnionWith(_departed.Select(d => d.Room));
        var reads = new List<(string Room, RoomMember[] Current)>(rooms.Count);
        foreach (string room in rooms)
        {
            reads.Add((room, RemotePresence.FromHash(await db.HashGetAllAsync(keys.Room(room)).ConfigureAwait(false))));
        }

        var repairs = new List<PresenceRepair>();
        foreach ((string room, RoomMember[] current) in reads)
        {
            if (Compare(room, current, input, _departed) is { } repair)
            {
                repairs.Add(repair);
            }
            if (input.DataLost)
            {
                presence.Merge(room, current);
            }
            else
            {
                presence.Replace(room, current);
            }
        }
        int departed = _departed.Count;
        _departed.Clear();
        foreach (PresenceRepair repair in repairs)
        {
            await NotifyAsync(h => h.OnPresenceRepairedAsync(repair), handler).ConfigureAwait(false);
        }
        return (repairs.Count, departed);
    }

    /// <summary>Calls the handler; a failing handler is logged and does not stop the write-back (the node must become ready).</summary>
    public async Task NotifyAsync(Func<IBackplaneHandler, ValueTask> call, IBackplaneHandler handler)
    {
        try
        {
            await call(handler).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever the handler throws, the write-back goes on.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            RedisBackplaneLog.DeliveryFailed(logger, ex);
        }
    }

    /// <summary>
    /// Sessions that ended on this node while it was cut off: Redis still says this node owns them. Removes them as a
    /// handover to an owner without the session would (<see cref="RedisLivenessScripts.ForgetPeer"/>: their calls end
    /// on the other nodes) and collects the memberships removed.
    /// </summary>
    private async Task ForgetEndedSessionsAsync(IDatabase db, HashSet<(string Room, string Peer)> departed)
    {
        foreach (RedisValue value in await db.SetMembersAsync(keys.NodePeers(nodeId)).ConfigureAwait(false))
        {
            string peer = value.ToString();
            if (local.Owners.ContainsKey(peer))
            {
                continue;
            }
            RedisValue session = await db.HashGetAsync(keys.Owner(peer), "session").ConfigureAwait(false);
            if (session.IsNull)
            {
                await db.SetRemoveAsync(keys.NodePeers(nodeId), peer).ConfigureAwait(false);
                continue;
            }
            var rooms = (RedisResult[])(await db.ScriptEvaluateAsync(
                RedisLivenessScripts.ForgetPeer,
                [keys.Owner(peer), keys.PeerRooms(peer)],
                [nodeId, session, peer, keys.Prefix]).ConfigureAwait(false))!;
            departed.UnionWith(rooms.Select(r => (r.ToString()!, peer)));
        }
    }

    private PresenceRepair? Compare(string room, RoomMember[] current, RepairInput input, HashSet<(string Room, string Peer)> departed)
    {
        var locals = new HashSet<string>(local.Members(room).Select(m => m.Peer), StringComparer.Ordinal);
        RoomMember[] others = [.. current.Where(m => !locals.Contains(m.Peer))];
        // The others were told a member left only if they swept this node; else only a join made while cut off is news.
        RoomMember[] returned = [.. current.Where(m => locals.Contains(m.Peer) && input.Returned.Contains((room, m.Peer))
            && (input.PresumedDead || input.Joins.Contains((room, m.Peer))))];
        PeerId[] gone = [.. departed.Where(d => d.Room == room).Select(d => new PeerId(d.Peer))];
        PeerId[] newcomers = [.. locals.Where(p => input.Joins.Contains((room, p))).Select(p => new PeerId(p))];
        RoomMember[] joined = [];
        PeerId[] left = [];
        RoomMember[] updated = [];
        if (locals.Count > newcomers.Length)
        {
            Dictionary<string, string> known = presence.Known(room);
            joined = [.. others.Where(m => !known.ContainsKey(m.Peer))];
            // After Redis lost its data, a member missing now may just not be written back yet: no member-left then.
            left = input.DataLost ? [] : [.. known.Keys.Where(p => !others.Any(m => m.Peer == p)).Select(p => new PeerId(p))];
            updated = [.. others.Where(m => known.TryGetValue(m.Peer, out string? meta) && !SameMeta(meta, m.MetaJson))];
        }
        bool nothing = returned.Length == 0 && gone.Length == 0 && joined.Length == 0 && left.Length == 0 && updated.Length == 0
            && (newcomers.Length == 0 || others.Length == 0);
        return nothing ? null : new PresenceRepair(new RoomId(room), others, returned, gone, joined, left, updated, newcomers);
    }

    /// <summary>Compares two metadata JSON texts by value (the same object may come back with other whitespace).</summary>
    private static bool SameMeta(string a, string? b)
    {
        b ??= "";
        if (a == b)
        {
            return true;
        }
        if (a.Length == 0 || b.Length == 0)
        {
            return false;
        }
        try
        {
            using JsonDocument x = JsonDocument.Parse(a);
            using JsonDocument y = JsonDocument.Parse(b);
            return JsonElement.DeepEquals(x.RootElement, y.RootElement);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>What a write-back found (see <see cref="RedisPresenceRepair.RunAsync"/>).</summary>
/// <param name="Returned">Memberships the write-back created (Redis no longer had them).</param>
/// <param name="Joins">Rooms this node's peers joined while Redis was unreachable.</param>
/// <param name="Leaves">Rooms this node's peers left while Redis was unreachable.</param>
/// <param name="PresumedDead">The other nodes swept this node (they told the rooms its peers left).</param>
/// <param name="DataLost">Redis restarted empty: the other nodes are writing their members back too.</param>
internal sealed record RepairInput(
    HashSet<(string Room, string Peer)> Returned,
    HashSet<(string Room, string Peer)> Joins,
    HashSet<(string Room, string Peer)> Leaves,
    bool PresumedDead,
    bool DataLost);
