using RtcStack.Signaling.Protocol;

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

    /// <summary>Members read from Redis (what a join answers with): the room's remote members are these now.</summary>
    public void Replace(string room, IEnumerable<RoomMember> members)
    {
        RoomMember[] locals = local.Members(room);
        lock (_lock)
        {
            if (locals.Length == 0)
            {
                _known.Remove(room);
                return;
            }
            Dictionary<string, string> known = KnownLocked(room);
            known.Clear();
            foreach (RoomMember member in members.Where(m => !locals.Any(l => l.Peer == m.Peer)))
            {
                known[member.Peer] = member.MetaJson ?? "";
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
