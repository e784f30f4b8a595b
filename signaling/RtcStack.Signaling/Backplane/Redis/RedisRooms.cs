using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// The <see cref="RedisBackplane"/> part for peer subscriptions (routes) and room membership: shared in Redis,
/// mirrored locally for outages.
/// </summary>
internal sealed class RedisRooms(RedisCommands redis, RedisKeys keys, LocalMirror mirror, RemotePresence presence, string nodeId)
{
    public async ValueTask SubscribePeerAsync(PeerId peer)
    {
        mirror.Subscriptions.TryAdd(peer.Value, LocalMirror.Direct);
        await redis.RedisOr(db => db.StringSetAsync(keys.Route(peer.Value), nodeId), () => false).ConfigureAwait(false);
    }

    public async ValueTask UnsubscribePeerAsync(PeerId peer)
    {
        mirror.Subscriptions.TryRemove(peer.Value, out _);
        presence.Forget(mirror.ForgetPeer(peer.Value));
        await redis.RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.DeleteIfEquals, [keys.Route(peer.Value)], [nodeId]).ConfigureAwait(false), () => 0L).ConfigureAwait(false);
    }

    public async ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity)
    {
        RoomJoinResult? shared = await redis.RedisOr<RoomJoinResult?>(async db =>
        {
            long result = (long)await db.ScriptEvaluateAsync(RedisScripts.AddMember, [keys.Room(room.Value), keys.PeerRooms(member.Peer)], [member.Peer, member.MetaJson ?? "", capacity, room.Value]).ConfigureAwait(false);
            return result switch { 0 => RoomJoinResult.Joined, 1 => RoomJoinResult.AlreadyMember, _ => RoomJoinResult.Full };
        }, () => null).ConfigureAwait(false);
        if (shared == RoomJoinResult.Full)
        {
            return RoomJoinResult.Full;
        }

        RoomJoinResult local = mirror.Add(room.Value, member, capacity, enforceCapacity: shared is null);
        if (shared is null && local == RoomJoinResult.Joined)
        {
            presence.JoinedBlind(room.Value, member.Peer);
        }

        return shared ?? local;
    }

    public async ValueTask<bool> UpdateMemberAsync(RoomId room, RoomMember member)
    {
        bool local = mirror.Update(room.Value, member);
        return await redis.RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.UpdateMember, [keys.Room(room.Value)], [member.Peer, member.MetaJson ?? ""]).ConfigureAwait(false) == 1, () => local).ConfigureAwait(false);
    }

    public async ValueTask<bool> RemoveMemberAsync(RoomId room, PeerId peer)
    {
        bool local = mirror.Remove(room.Value, peer.Value);
        bool? shared = await redis.RedisOr<bool?>(
            async db => (long)await db.ScriptEvaluateAsync(RedisScripts.RemoveMember, [keys.Room(room.Value), keys.PeerRooms(peer.Value), keys.Owner(peer.Value)], [peer.Value, room.Value, nodeId]).ConfigureAwait(false) == 1,
            () => null).ConfigureAwait(false);
        if (shared is null && local)
        {
            // The other nodes are told when Redis is back (RedisPresenceRepair).
            presence.LeftBlind(room.Value, peer.Value);
        }

        if (!mirror.HasRoom(room.Value))
        {
            presence.Forget(room.Value);
        }

        return shared ?? local;
    }

    public ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer) =>
        redis.RedisOr(db => db.HashExistsAsync(keys.Room(room.Value), peer.Value), () => mirror.IsMember(room.Value, peer.Value));

    /// <summary>A read from Redis for a room with members here is what this node's members now know of the others.</summary>
    public ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room) =>
        redis.RedisOr<IReadOnlyList<RoomMember>>(
            async db =>
            {
                RoomMember[] members = RemotePresence.FromHash(await db.HashGetAllAsync(keys.Room(room.Value)).ConfigureAwait(false));
                presence.Replace(room.Value, members);
                return members;
            },
            () => mirror.Members(room.Value));
}
