namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>Lua scripts for the read-modify-write steps that must be atomic across nodes.</summary>
internal static class RedisScripts
{
    /// <summary>KEYS[1] room hash; ARGV peer, meta, capacity. Returns 0 joined, 1 already member (meta replaced), 2 full.</summary>
    public const string AddMember = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          return 1
        end
        if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
          return 2
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return 0
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

    /// <summary>KEYS[1] owner hash; ARGV node, session. Sets the owner and returns the previous {node, session}.</summary>
    public const string SetOwner = """
        local old = redis.call('HMGET', KEYS[1], 'node', 'session')
        redis.call('HSET', KEYS[1], 'node', ARGV[1], 'session', ARGV[2])
        return old
        """;

    /// <summary>KEYS[1] owner hash; ARGV session. Deletes the owner only if it is still that session.</summary>
    public const string RemoveOwner = """
        if redis.call('HGET', KEYS[1], 'session') == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;
}
