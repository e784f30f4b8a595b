using System.Globalization;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Backplane.Redis;

namespace RtcStack.Server.Tests.Backplane;

/// <summary>
/// Shared setup of the tests that run several <see cref="RedisBackplane"/> nodes over one real redis-server: the
/// server started per test, nodes started with a short liveness TTL and disposed after the test (or "killed" before
/// by disposing them, which stops the heartbeat without touching any key, as a crash would).
/// </summary>
public abstract class RedisNodeTests : IAsyncLifetime
{
    /// <summary>The liveness TTL of a node unless a test sets another.</summary>
    private protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);

    private protected static readonly CancellationToken None = CancellationToken.None;
    private readonly List<RedisBackplane> _nodes = [];

    private protected RedisServerProcess Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await RedisServerProcess.StartNewAsync();

    public async Task DisposeAsync()
    {
        foreach (RedisBackplane node in _nodes)
        {
            await node.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }

    /// <summary>A connection string to Redis through <paramref name="proxy"/> (to cut a node off).</summary>
    private protected static string Via(LoadBalancer proxy) => "127.0.0.1:" + proxy.WebSocketUri.Port.ToString(CultureInfo.InvariantCulture);

    private protected async Task<(RedisBackplane Node, RecordingHandler Handler)> StartNodeAsync(string nodeId, TimeSpan? handoverTimeout = null, string? connectionString = null, TimeSpan? ttl = null)
    {
        var handler = new RecordingHandler();
        var node = new RedisBackplane(new RedisBackplaneOptions
        {
            ConnectionString = connectionString ?? Redis.ConnectionString,
            NodeId = nodeId,
            KeyPrefix = "t:",
            ReconnectInterval = TimeSpan.FromMilliseconds(200),
            NodeLivenessTtl = ttl ?? Ttl,
            HandoverTimeout = handoverTimeout ?? TimeSpan.FromSeconds(5),
        });
        _nodes.Add(node);
        await node.StartAsync(handler, None);
        await Eventually.TrueAsync(() => node.IsHealthy, nodeId + " connected and subscribed");
        return (node, handler);
    }

    /// <summary>Kills <paramref name="node"/>: disposed without cleaning up, as a crash would leave it.</summary>
    private protected async Task KillAsync(RedisBackplane node)
    {
        _nodes.Remove(node);
        await node.DisposeAsync();
    }
}
