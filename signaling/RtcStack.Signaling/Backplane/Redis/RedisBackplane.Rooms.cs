using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>Peer subscriptions (routes) and room membership: shared in Redis, mirrored locally for outages.</summary>
public sealed partial class RedisBackplane
{
    /// <inheritdoc/>
    public async ValueTask SubscribePeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        _local.Subscriptions.TryAdd(peer.Value, LocalMirror.Direct);
        await RedisOr(db => db.StringSetAsync(_keys.Route(peer.Value), NodeId), () => false).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask UnsubscribePeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        _local.Subscriptions.TryRemove(peer.Value, out _);
        _presence.Forget(_local.ForgetPeer(peer.Value));
        await RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.DeleteIfEquals, [_keys.Route(peer.Value)], [NodeId]).ConfigureAwait(false), () => 0L).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity, CancellationToken cancellationToken)
    {
        RoomJoinResult? shared = await RedisOr<RoomJoinResult?>(async db =>
        {
            long result = (long)await db.ScriptEvaluateAsync(RedisScripts.AddMember, [_keys.Room(room.Value), _keys.PeerRooms(member.Peer)], [member.Peer, member.MetaJson ?? "", capacity, room.Value]).ConfigureAwait(false);
            return result switch { 0 => RoomJoinResult.Joined, 1 => RoomJoinResult.AlreadyMember, _ => RoomJoinResult.Full };
        }, () => null).ConfigureAwait(false);
        if (shared == RoomJoinResult.Full)
        {
            return RoomJoinResult.Full;
        }

        RoomJoinResult local = _local.Add(room.Value, member, capacity, enforceCapacity: shared is null);
        if (shared is null && local == RoomJoinResult.Joined)
        {
            _presence.JoinedBlind(room.Value, member.Peer);
        }

        return shared ?? local;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> UpdateMemberAsync(RoomId room, RoomMember member, CancellationToken cancellationToken)
    {
        bool local = _local.Update(room.Value, member);
        return await RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.UpdateMember, [_keys.Room(room.Value)], [member.Peer, member.MetaJson ?? ""]).ConfigureAwait(false) == 1, () => local).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> RemoveMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken)
    {
        bool local = _local.Remove(room.Value, peer.Value);
        bool? shared = await RedisOr<bool?>(
            async db => (long)await db.ScriptEvaluateAsync(RedisScripts.RemoveMember, [_keys.Room(room.Value), _keys.PeerRooms(peer.Value), _keys.Owner(peer.Value)], [peer.Value, room.Value, NodeId]).ConfigureAwait(false) == 1,
            () => null).ConfigureAwait(false);
        if (shared is null && local)
        {
            // The other nodes are told when Redis is back (RedisPresenceRepair).
            _presence.LeftBlind(room.Value, peer.Value);
        }

        if (!_local.HasRoom(room.Value))
        {
            _presence.Forget(room.Value);
        }

        return shared ?? local;
    }

    /// <inheritdoc/>
    public ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) =>
        RedisOr(db => db.HashExistsAsync(_keys.Room(room.Value), peer.Value), () => _local.IsMember(room.Value, peer.Value));

    /// <inheritdoc/>
    /// <remarks>A read from Redis for a room with members here is what this node's members now know of the others.</remarks>
    public ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room, CancellationToken cancellationToken) =>
        RedisOr<IReadOnlyList<RoomMember>>(
            async db =>
            {
                RoomMember[] members = RemotePresence.FromHash(await db.HashGetAllAsync(_keys.Room(room.Value)).ConfigureAwait(false));
                _presence.Replace(room.Value, members);
                return members;
            },
            () => _local.Members(room.Value));
}
