using RtcStack.Signaling.Protocol;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// What this node's sessions were told about the members of their rooms on other nodes, and the room changes this
/// node made while Redis was unreachable. After a Redis outage <see cref="RedisPresenceRepair"/> compares it with
/// Redis and sends the presence events each side missed. Kept only for rooms with a member on this node.
/// </summary>
internal sealed class RemotePresence(LocalMirror local)
{
    private readonly Dictionary<string, Dictionary<string, string>> _known = new(StringComparer.Ordinal);
    private HashSet<(string Room, string Peer)> _blindJoins = [];
    private HashSet<(string Room, string Peer)> _blindLeaves = [];
    private readonly Lock _lock = new();

    /// <summary>A presence event this node received for its peers from another node (or routed through Redis).</summary>
    public void Observe(ServerMessage m)
    {
        if (m.Room is not { } room || m.Peer is not { } peer || m.Type is not (MessageTypes.MemberJoined or MessageTypes.MemberUpdated or MessageTypes.MemberLeft))
        {
            return;
        }
        if (!local.HasRoom(room) || local.IsMember(room, peer))
        {
            return;
        }
        lock (_lock)
        {
            Dictionary<string, string> known = KnownLocked(room);
            if (m.Type == MessageTypes.MemberLeft)
            {
                known.Remove(peer);
            }
            else
            {
                known[peer] = m.Meta?.GetRawText() ?? "";
            }
        }
    }

    /// <summary>A room hash read from Redis (peer → meta JSON, empty for none) as members.</summary>
    public static RoomMember[] FromHash(HashEntry[] entries) =>
        [.. entries.Select(e => new RoomMember(e.Name.ToString(), e.Value.IsNullOrEmpty ? null : e.Value.ToString()))];

    /// <summary>Members read from Redis (what a join answers with): the room's remote members are these now.</summary>
    public void Replace(string room, IEnumerable<RoomMember> members) => Store(room, members, merge: false);

    /// <summary>
    /// Members read from Redis while the other nodes may still be writing theirs back (Redis lost its data): adds and
    /// updates, removes none (a member missing now may just not be written back yet).
    /// </summary>
    public void Merge(string room, IEnumerable<RoomMember> members) => Store(room, members, merge: true);

    private void Store(string room, IEnumerable<RoomMember> members, bool merge)
    {
        var locals = new HashSet<string>(local.Members(room).Select(m => m.Peer), StringComparer.Ordinal);
        lock (_lock)
        {
            if (locals.Count == 0)
            {
                _known.Remove(room);
                return;
            }
            Dictionary<string, string> known = KnownLocked(room);
            if (!merge)
            {
                known.Clear();
            }
            foreach (RoomMember member in members)
            {
                if (!locals.Contains(member.Peer))
                {
                    known[member.Peer] = member.MetaJson ?? "";
                }
            }
        }
    }

    /// <summary>No member of <paramref name="room"/> is on this node any more.</summary>
    public void Forget(string room)
    {
        lock (_lock)
        {
            _known.Remove(room);
        }
    }

    /// <summary>No member of these rooms is on this node any more.</summary>
    public void Forget(List<string> rooms)
    {
        if (rooms.Count == 0)
        {
            return;
        }
        lock (_lock)
        {
            foreach (string room in rooms)
            {
                _known.Remove(room);
            }
        }
    }

    /// <summary>The number of rooms whose remote members are kept (tests: rooms left by every local peer are forgotten).</summary>
    public int RoomCount
    {
        get
        {
            lock (_lock)
            {
                return _known.Count;
            }
        }
    }

    /// <summary>The remote members this node's sessions know of in <paramref name="room"/> (peer → meta JSON, "" for none).</summary>
    public Dictionary<string, string> Known(string room)
    {
        lock (_lock)
        {
            return _known.TryGetValue(room, out var known) ? new(known, StringComparer.Ordinal) : new(StringComparer.Ordinal);
        }
    }

    /// <summary>A local peer joined <paramref name="room"/> while Redis was unreachable (it saw only local members).</summary>
    public void JoinedBlind(string room, string peer)
    {
        lock (_lock)
        {
            _blindJoins.Add((room, peer));
        }
    }

    /// <summary>A local peer left <paramref name="room"/> while Redis was unreachable (other nodes were not told).</summary>
    public void LeftBlind(string room, string peer)
    {
        lock (_lock)
        {
            _blindLeaves.Add((room, peer));
        }
    }

    /// <summary>Takes the changes made while Redis was unreachable (a failed repair puts them back).</summary>
    public (HashSet<(string Room, string Peer)> Joins, HashSet<(string Room, string Peer)> Leaves) TakeBlind()
    {
        lock (_lock)
        {
            var taken = (_blindJoins, _blindLeaves);
            _blindJoins = [];
            _blindLeaves = [];
            return taken;
        }
    }

    public void PutBackBlind(HashSet<(string Room, string Peer)> joins, HashSet<(string Room, string Peer)> leaves)
    {
        lock (_lock)
        {
            _blindJoins.UnionWith(joins);
            _blindLeaves.UnionWith(leaves);
        }
    }

    private Dictionary<string, string> KnownLocked(string room)
    {
        if (!_known.TryGetValue(room, out var known))
        {
            known = new Dictionary<string, string>(StringComparer.Ordinal);
            _known[room] = known;
        }
        return known;
    }
}
