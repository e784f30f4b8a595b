namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>Lua scripts for the read-modify-write steps that must be atomic across nodes.</summary>
internal static class RedisScripts
{
    /// <summary>
    /// KEYS[1] room hash, KEYS[2] the peer's <c>peer-rooms</c> set; ARGV peer, meta, capacity, room. Returns 0 joined,
    /// 1 already member (meta replaced), 2 full.
    /// </summary>
    public const string AddMember = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          redis.call('SADD', KEYS[2], ARGV[4])
          return 1
        end
        if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
          return 2
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[4])
        return 0
        """;

    /// <summary>
    /// KEYS[1] room hash, KEYS[2] the peer's <c>peer-rooms</c> set, KEYS[3] the peer's owner hash; ARGV peer, room,
    /// this node. Removes the membership unless another node owns the peer's session now (a session left behind on
    /// a node that another node took the peer from must not remove the new session's memberships). Returns 1 when
    /// removed.
    /// </summary>
    public const string RemoveMember = """
        local owner = redis.call('HGET', KEYS[3], 'node')
        if owner and owner ~= ARGV[3] then
          return 0
        end
        redis.call('SREM', KEYS[2], ARGV[2])
        return redis.call('HDEL', KEYS[1], ARGV[1])
        """;

    /// <summary>KEYS[1] room hash; ARGV peer, meta. Returns 1 when updated, 0 when not a member.</summary>
    public const string UpdateMember = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          return 1
        end
        return 0
        """;

    /// <summary>KEYS[1] a string key; ARGV expected value. Deletes the key only if it still holds that value.</summary>
    public const string DeleteIfEquals = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    /// <summary>
    /// KEYS[1] the peer's route; ARGV node-channel prefix, payload. Reads the route and publishes to that node's
    /// channel in one step, so a route change (a handover) splits a publisher's envelopes cleanly between the old
    /// node (before) and the new one (after). Returns the receivers, 0 when the peer has no route.
    /// </summary>
    public const string PublishToRoute = """
        local node = redis.call('GET', KEYS[1])
        if not node then
          return 0
        end
        return redis.call('PUBLISH', ARGV[1] .. node, ARGV[2])
        """;

    /// <summary>
    /// KEYS the members' routes; ARGV node-channel prefix, envelope JSON, then the member ids (one per key). Groups
    /// the members by route and publishes one delivery per node ('D' + JSON array of peers + '\n' + envelope),
    /// atomically with reading the routes (see <see cref="PublishToRoute"/>). Returns the number of nodes.
    /// </summary>
    public const string PublishToRoutes = """
        local byNode = {}
        local nodes = {}
        for i, key in ipairs(KEYS) do
          local node = redis.call('GET', key)
          if node then
            if not byNode[node] then
              byNode[node] = {}
              table.insert(nodes, node)
            end
            table.insert(byNode[node], ARGV[i + 2])
          end
        end
        for _, node in ipairs(nodes) do
          redis.call('PUBLISH', ARGV[1] .. node, 'D' .. cjson.encode(byNode[node]) .. '\n' .. ARGV[2])
        end
        return #nodes
        """;

    /// <summary>
    /// KEYS[1] owner hash, KEYS[2] the new node's <c>node-peers</c> set; ARGV node, session, peer, <c>node-peers:</c>
    /// prefix. Sets the owner, moves the peer between the nodes' sets and returns the previous {node, session}.
    /// </summary>
    public const string SetOwner = """
        local old = redis.call('HMGET', KEYS[1], 'node', 'session')
        redis.call('HSET', KEYS[1], 'node', ARGV[1], 'session', ARGV[2])
        if old[1] and old[1] ~= ARGV[1] then
          redis.call('SREM', ARGV[4] .. old[1], ARGV[3])
        end
        redis.call('SADD', KEYS[2], ARGV[3])
        return old
        """;

    /// <summary>
    /// KEYS[1] owner hash; ARGV session, peer, <c>node-peers:</c> prefix. Deletes the owner only if it is still that
    /// session (and takes the peer out of its node's set).
    /// </summary>
    public const string RemoveOwner = """
        local cur = redis.call('HMGET', KEYS[1], 'node', 'session')
        if cur[2] == ARGV[1] then
          redis.call('SREM', ARGV[3] .. cur[1], ARGV[2])
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;
}
