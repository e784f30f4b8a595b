namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// Lua scripts for node liveness and for removing the sessions of a node that is gone. Each runs atomically, so
/// when several survivors find the same dead node (or several nodes the same unanswered peer) exactly one of them
/// removes its memberships and gets them back to tell the rooms; the others get nothing.
/// </summary>
/// <remarks>
/// These scripts build key names from the prefix (a dead node's peers, their rooms) instead of receiving them in
/// KEYS: they need Redis (standalone or Sentinel), not Redis Cluster; see docs/operations.md. A script is not rolled
/// back when a command in it fails, so the scripts that change state do every read and the one command that can fail
/// on a reachable server (<c>XADD</c> to the <c>lost</c> stream: <c>MINID</c> needs Redis 6.2, checked at start, and the key
/// must be a stream) before the first change: a failure changes nothing, and the next tick tries again.
/// </remarks>
internal static class RedisLivenessScripts
{
    /// <summary>
    /// KEYS[1] this node's <c>alive</c> key, KEYS[2] the <c>nodes</c> set; ARGV node, TTL in ms. Refreshes the liveness
    /// key and registers the node. Returns 1 when the node was not registered (first beat, Redis lost its data, or
    /// survivors swept this node as dead), else 0.
    /// </summary>
    public const string Heartbeat = """
        redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
        return redis.call('SADD', KEYS[2], ARGV[1])
        """;

    /// <summary>
    /// KEYS[1] the <c>nodes</c> set, KEYS[2] the dead node's <c>alive</c> key, KEYS[3] its <c>node-peers</c> set;
    /// ARGV node, key prefix, <c>1</c> for a node sweeping its own previous life at start (else <c>0</c>), the sweeping
    /// node. When the node's liveness key has expired and it is still registered (or unconditionally for a previous
    /// life): unregisters it (leaving a <c>swept:</c> tombstone for a node that was only cut off and comes back:
    /// <c>T</c> and the ids of the invitations moved, space-separated) and,
    /// for every peer whose session it still owns, removes the owner, the peer's memberships and its route (if it
    /// points at the node); then tells every registered node which peers' sessions it lost (<c>L</c> on their node
    /// channels, see <see cref="NodeChannelMessage"/>, and the <c>lost</c> stream: <c>p</c> the peers, <c>s</c> their
    /// sessions in the same order; their sessions end calls with those sessions, whatever room the calls were made in) and moves the invitations it held for offline callees (<c>held:</c>) to the sweeping node. Returns
    /// {room, peer, room, peer, ...} of the memberships removed, {call id, call JSON, ...} of the invitations moved};
    /// empty when the node is alive or another survivor swept it already. The stream entry is kind <c>s</c>.
    /// </summary>
    public const string SweepDeadNode = """
        if ARGV[3] ~= '1' then
          if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then
            return {}
          end
        end
        local lost = {}
        local sessions = {}
        for _, peer in ipairs(redis.call('SMEMBERS', KEYS[3])) do
          local cur = redis.call('HMGET', ARGV[2] .. 'owner:' .. peer, 'node', 'session')
          if cur[1] == ARGV[1] then
            table.insert(lost, peer)
            table.insert(sessions, cur[2] or '')
          end
        end
        local id = false
        local json = false
        local sjson = false
        if #lost > 0 then
          json = cjson.encode(lost)
          sjson = cjson.encode(sessions)
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          id = redis.call('XADD', ARGV[2] .. 'lost', 'MINID', '~', now - 86400000, '*', 'n', ARGV[1], 'k', 's', 'p', json, 's', sjson)
          redis.call('PEXPIRE', ARGV[2] .. 'lost', 86400000)
        end
        redis.call('SREM', KEYS[1], ARGV[1])
        if ARGV[3] ~= '1' then
          local moved = redis.call('HKEYS', ARGV[2] .. 'held:' .. ARGV[1])
          redis.call('SET', ARGV[2] .. 'swept:' .. ARGV[1], 'T' .. table.concat(moved, ' '), 'EX', 86400)
        end
        local removed = {}
        for _, peer in ipairs(redis.call('SMEMBERS', KEYS[3])) do
          local owner = ARGV[2] .. 'owner:' .. peer
          if redis.call('HGET', owner, 'node') == ARGV[1] then
            redis.call('DEL', owner)
            local rooms = ARGV[2] .. 'peer-rooms:' .. peer
            for _, room in ipairs(redis.call('SMEMBERS', rooms)) do
              if redis.call('HDEL', ARGV[2] .. 'room:' .. room, peer) == 1 then
                table.insert(removed, room)
                table.insert(removed, peer)
              end
            end
            redis.call('DEL', rooms)
          end
          local route = ARGV[2] .. 'route:' .. peer
          if redis.call('GET', route) == ARGV[1] then
            redis.call('DEL', route)
          end
        end
        redis.call('DEL', KEYS[3])
        if id then
          local message = 'L' .. id .. '\n' .. json .. '\n' .. sjson
          for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
            redis.call('PUBLISH', ARGV[2] .. 'node:' .. node, message)
          end
        end
        local heldKey = ARGV[2] .. 'held:' .. ARGV[1]
        local held = redis.call('HGETALL', heldKey)
        if ARGV[4] ~= ARGV[1] and #held > 0 then
          local mine = ARGV[2] .. 'held:' .. ARGV[4]
          for i = 1, #held, 2 do
            redis.call('HSET', mine, held[i], held[i + 1])
          end
          redis.call('DEL', heldKey)
        end
        return {removed, held}
        """;

    /// <summary>
    /// KEYS[1] the peer's owner hash, KEYS[2] its <c>peer-rooms</c> set; ARGV node, session, peer, key prefix. The
    /// owner did not answer a handover: if session ARGV[2] on node ARGV[1] still owns the peer, removes the owner and
    /// the peer's memberships, and tells every registered node the peer's session is lost (<c>lost</c> stream and <c>L</c>, as
    /// <see cref="SweepDeadNode"/>, with session ARGV[2]; entry kind <c>f</c>). Returns the rooms the peer was removed from (empty when someone else did it first
    /// or the peer was in no room).
    /// </summary>
    public const string ForgetPeer = """
        local cur = redis.call('HMGET', KEYS[1], 'node', 'session')
        if cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2] then
          return {}
        end
        local json = cjson.encode({ARGV[3]})
        local sjson = cjson.encode({ARGV[2]})
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local stream = ARGV[4] .. 'lost'
        local id = redis.call('XADD', stream, 'MINID', '~', now - 86400000, '*', 'n', ARGV[1], 'k', 'f', 'p', json, 's', sjson)
        redis.call('PEXPIRE', stream, 86400000)
        redis.call('DEL', KEYS[1])
        redis.call('SREM', ARGV[4] .. 'node-peers:' .. ARGV[1], ARGV[3])
        local removed = {}
        for _, room in ipairs(redis.call('SMEMBERS', KEYS[2])) do
          if redis.call('HDEL', ARGV[4] .. 'room:' .. room, ARGV[3]) == 1 then
            table.insert(removed, room)
          end
        end
        redis.call('DEL', KEYS[2])
        local message = 'L' .. id .. '\n' .. json .. '\n' .. sjson
        for _, node in ipairs(redis.call('SMEMBERS', ARGV[4] .. 'nodes')) do
          redis.call('PUBLISH', ARGV[4] .. 'node:' .. node, message)
        end
        return removed
        """;

    /// <summary>
    /// KEYS[1] this node's <c>held:</c> hash; ARGV call id, call JSON, ... Replaces the invitations this node holds with
    /// ARGV in one step (write-back after an outage: a release made while Redis was unreachable leaves no stale field).
    /// </summary>
    public const string ReplaceHeld = """
        redis.call('DEL', KEYS[1])
        for i = 1, #ARGV, 2 do
          redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
        end
        return #ARGV / 2
        """;

    /// <summary>
    /// KEYS[1] the <c>nodes</c> set; ARGV call id, key prefix. Finds the registered node whose <c>held:</c> hash holds
    /// the invitation and tells it the invitation was answered (<c>E</c> + call id on its node channel, see
    /// <see cref="NodeChannelMessage"/>). Returns 1 when a node holds it, else 0.
    /// </summary>
    public const string EndHeld = """
        for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          if redis.call('HEXISTS', ARGV[2] .. 'held:' .. node, ARGV[1]) == 1 then
            redis.call('PUBLISH', ARGV[2] .. 'node:' .. node, 'E' .. ARGV[1])
            return 1
          end
        end
        return 0
        """;

    /// <summary>
    /// KEYS[1] the peer's owner hash, KEYS[2] this node's <c>node-peers</c> set; ARGV node, session, peer. Writes this
    /// node's session back after Redis came back, unless another node owns the peer now. Returns 0 when another node
    /// owns the peer, 1 when this node still owned it, 2 when Redis had no owner (this node was swept as dead, or Redis
    /// lost its data) and this node owns it again; with 1 or 2 its memberships may be written back.
    /// </summary>
    public const string RestoreOwner = """
        local node = redis.call('HGET', KEYS[1], 'node')
        if node and node ~= ARGV[1] then
          return 0
        end
        redis.call('HSET', KEYS[1], 'node', ARGV[1], 'session', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[3])
        if node then
          return 1
        end
        return 2
        """;
}
