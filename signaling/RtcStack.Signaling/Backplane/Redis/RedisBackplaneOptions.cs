namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>Settings of <see cref="RedisBackplane"/>. Bound from <c>Signaling:Redis</c> (the connection string).</summary>
public sealed class RedisBackplaneOptions
{
    /// <summary>StackExchange.Redis connection string, for example <c>127.0.0.1:6379</c>. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Prefix of every key and channel, so several deployments can share one Redis. Default: <c>rtcstack:</c>.</summary>
    public string KeyPrefix { get; set; } = "rtcstack:";

    /// <summary>This node's id; default: a random one per process.</summary>
    public string? NodeId { get; set; }

    /// <summary>How long a node waits for another node to hand a session over. Default: 5 s.</summary>
    public TimeSpan HandoverTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delay between Redis reconnect attempts (StackExchange.Redis retries forever). Default: 1 s.</summary>
    public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Timeout of one Redis command and of a connect attempt. Default: 2 s.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Lifetime of this node's liveness key in Redis; the node refreshes it every third of this. When a node stops
    /// refreshing (it died, or cannot reach Redis), another node removes its sessions from their rooms (members get
    /// <c>member-left</c>) within about this time plus a third. Default: 15 s.
    /// </summary>
    public TimeSpan NodeLivenessTtl { get; set; } = TimeSpan.FromSeconds(15);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("Signaling:Redis (the connection string) is empty.", nameof(ConnectionString));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandoverTimeout, TimeSpan.Zero, nameof(HandoverTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReconnectInterval, TimeSpan.Zero, nameof(ReconnectInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CommandTimeout, TimeSpan.Zero, nameof(CommandTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(NodeLivenessTtl, TimeSpan.FromSeconds(1), nameof(NodeLivenessTtl));
    }
}
