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
