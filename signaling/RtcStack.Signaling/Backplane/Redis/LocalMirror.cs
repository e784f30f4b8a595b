using System.Collections.Concurrent;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// What this node knows about its own peers, written through on every change: the peers it delivers to,
/// their room memberships and the sessions it owns. It serves local rooms while Redis is unreachable and is
/// written back into Redis when the connection returns (Redis may have restarted empty).
/// </summary>
internal sealed class LocalMirror
{
    private readonly Dictionary<string, Dictionary<string, RoomMember>> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _roomsLock = new();

    /// <summary>A subscribed peer whose envelopes from this node may be delivered without Redis.</summary>
    public const byte Direct = 0;

    /// <summary>
    /// A subscribed peer that arrived by handover: envelopes from this node still go through its node channel,
    /// so they stay in order with envelopes that other nodes routed here while it was handed over.
    /// </summary>
    public const byte ThroughChannel = 1;

    /// <summary>The peers this node delivers to, with <see cref="Direct"/> or <see cref="ThroughChannel"/>.</summary>
    public ConcurrentDictionary<string, byte> Subscriptions { get; } = new(StringComparer.Ordinal);

    public bool IsDirect(string peer) => Subscriptions.TryGetValue(peer, out byte mode) && mode == Direct;

    public ConcurrentDictionary<string, SessionOwner> Owners { get; } = new(StringComparer.Ordinal);

    public bool IsLocal(string peer) => Subscriptions.ContainsKey(peer);

    /// <summary>Invitations this node holds for offline callees: call id → <see cref="CallState"/> JSON.</summary>
    public ConcurrentDictionary<string, string> Held { get; } = new(StringComparer.Ordinal);

    public RoomJoinResult Add(string room, RoomMember member, int capacity, bool enforceCapacity)
    {
        lock (_roomsLock)
        {
            if (!_rooms.TryGetValue(room, out var members))
            {
                members = new Dictionary<string, RoomMember>(StringComparer.Ordinal);
                _rooms[room] = members;
            }

            if (members.ContainsKey(member.Peer))
            {
                members[member.Peer] = member;
                return RoomJoinResult.AlreadyMember;
            }

            if (enforceCapacity && members.Count >= capacity)
            {
                if (members.Count == 0)
                {
                    _rooms.Remove(room);
                }

                return RoomJoinResult.Full;
            }

            members[member.Peer] = member;
            return RoomJoinResult.Joined;
        }
    }

    public bool Update(string room, RoomMember member)
    {
        lock (_roomsLock)
        {
            if (!_rooms.TryGetValue(room, out var members) || !members.ContainsKey(member.Peer))
            {
                return false;
            }

            members[member.Peer] = member;
            return true;
        }
    }

    public bool Remove(string room, string peer)
    {
        lock (_roomsLock)
        {
            if (!_rooms.TryGetValue(room, out var members) || !members.Remove(peer))
            {
                return false;
            }

            if (members.Count == 0)
            {
                _rooms.Remove(room);
            }

            return true;
        }
    }

    /// <summary>
    /// Forgets <paramref name="peer"/> in every room (it is no longer this node's peer; Redis keeps its memberships);
    /// returns the rooms that no peer of this node is in any more.
    /// </summary>
    public List<string> ForgetPeer(string peer)
    {
        var emptied = new List<string>();
        lock (_roomsLock)
        {
            foreach (var (room, members) in _rooms.ToArray())
            {
                if (members.Remove(peer) && members.Count == 0)
                {
                    _rooms.Remove(room);
                    emptied.Add(room);
                }
            }
        }
        return emptied;
    }

    public bool IsMember(string room, string peer)
    {
        lock (_roomsLock)
        {
            return _rooms.TryGetValue(room, out var members) && members.ContainsKey(peer);
        }
    }

    /// <summary>True when a peer of this node is a member of <paramref name="room"/>.</summary>
    public bool HasRoom(string room)
    {
        lock (_roomsLock)
        {
            return _rooms.ContainsKey(room);
        }
    }

    public RoomMember[] Members(string room)
    {
        lock (_roomsLock)
        {
            return _rooms.TryGetValue(room, out var members) ? [.. members.Values] : [];
        }
    }

    /// <summary>Every (room, member) pair, for writing back into Redis.</summary>
    public (string Room, RoomMember Member)[] Snapshot()
    {
        lock (_roomsLock)
        {
            return [.. _rooms.SelectMany(r => r.Value.Values.Select(m => (r.Key, m)))];
        }
    }
}
