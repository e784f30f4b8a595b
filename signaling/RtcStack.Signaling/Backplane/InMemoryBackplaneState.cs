using System.Collections.Concurrent;

namespace RtcStack.Signaling.Backplane;

/// <summary>The shared state behind one or more <see cref="InMemoryBackplane"/> nodes.</summary>
internal sealed class InMemoryBackplaneState
{
    private readonly Dictionary<string, RoomMembers> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoomMembers>.AlternateLookup<ReadOnlySpan<char>> _roomsBySpan;
    private readonly Lock _roomsLock = new();

    public ConcurrentDictionary<string, InMemoryBackplane> Nodes { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, InMemoryBackplane> Subscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary><see cref="Subscriptions"/> looked up by a span (no string).</summary>
    public ConcurrentDictionary<string, InMemoryBackplane>.AlternateLookup<ReadOnlySpan<char>> SubscriptionsBySpan { get; }

    public InMemoryBackplaneState()
    {
        SubscriptionsBySpan = Subscriptions.GetAlternateLookup<ReadOnlySpan<char>>();
        _roomsBySpan = _rooms.GetAlternateLookup<ReadOnlySpan<char>>();
    }
    public ConcurrentDictionary<string, SessionOwner> Owners { get; } = new(StringComparer.Ordinal);

    public RoomJoinResult Add(string room, RoomMember member, int capacity)
    {
        lock (_roomsLock)
        {
            if (!_rooms.TryGetValue(room, out RoomMembers? members))
            {
                members = new RoomMembers();
                _rooms[room] = members;
            }
            if (members.ContainsKey(member.Peer))
            {
                members[member.Peer] = member;
                return RoomJoinResult.AlreadyMember;
            }
            if (members.Count >= capacity)
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
            if (!_rooms.TryGetValue(room, out RoomMembers? members) || !members.ContainsKey(member.Peer))
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
            if (!_rooms.TryGetValue(room, out RoomMembers? members) || !members.Remove(peer))
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

    public bool IsMember(string room, string peer)
    {
        lock (_roomsLock)
        {
            return _rooms.TryGetValue(room, out RoomMembers? members) && members.ContainsKey(peer);
        }
    }

    /// <summary><see cref="IsMember(string, string)"/> without strings.</summary>
    public bool IsMember(ReadOnlySpan<char> room, ReadOnlySpan<char> peer)
    {
        lock (_roomsLock)
        {
            return _roomsBySpan.TryGetValue(room, out RoomMembers? members)
                && members.BySpan.ContainsKey(peer);
        }
    }

    public RoomMember[] Members(string room)
    {
        lock (_roomsLock)
        {
            return _rooms.TryGetValue(room, out RoomMembers? members) ? [.. members.Values] : [];
        }
    }

    public int RoomCount
    {
        get
        {
            lock (_roomsLock)
            {
                return _rooms.Count;
            }
        }
    }

    /// <summary>A room's members by peer id, with its alternate lookup made once (the relay looks members up by span).</summary>
    private sealed class RoomMembers : Dictionary<string, RoomMember>
    {
        public RoomMembers()
            : base(StringComparer.Ordinal)
        {
            BySpan = GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public AlternateLookup<ReadOnlySpan<char>> BySpan { get; }
    }
}
