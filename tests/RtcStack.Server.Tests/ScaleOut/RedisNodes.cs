using System.Globalization;
using RtcStack.Server.Tests.Infrastructure;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// What a scale-out test starts: one real redis-server, the TCP proxies some nodes reach it through (to cut them off or
/// hold their traffic), and the server nodes. Disposed nodes first (in start order), then the proxies (in the order they
/// were added), then redis-server.
/// </summary>
internal sealed class RedisNodes : IAsyncDisposable
{
    private readonly List<TestNode> _nodes = [];
    private readonly List<LoadBalancer> _proxies = [];

    private RedisNodes(RedisServerProcess redis) => Redis = redis;

    internal RedisServerProcess Redis { get; }

    /// <summary>The setting of a node that talks to redis-server directly.</summary>
    internal string Direct => "Redis=" + Redis.ConnectionString;

    internal static async Task<RedisNodes> StartAsync() => new(await RedisServerProcess.StartNewAsync());

    /// <summary>The setting of a node that reaches redis-server through <paramref name="proxy"/>.</summary>
    internal static string Via(LoadBalancer proxy) => "Redis=127.0.0.1:" + proxy.WebSocketUri.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A new TCP proxy to redis-server (pause it and drop its connections to cut a node off, or hold its traffic).</summary>
    internal LoadBalancer AddProxy()
    {
        var proxy = new LoadBalancer(new Uri("tcp://" + Redis.ConnectionString));
        _proxies.Add(proxy);
        return proxy;
    }

    /// <summary>Starts a node with <paramref name="settings"/>; disposed with the others.</summary>
    internal async Task<TestNode> StartNodeAsync(params string[] settings)
    {
        TestNode node = await TestNode.StartAsync(settings);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Waits until every node started so far answers /readyz with 200.</summary>
    internal Task AllReadyAsync(string what) => Eventually.TrueAsync(
        async () =>
        {
            foreach (TestNode node in _nodes)
            {
                if (!await Ready(node))
                {
                    return false;
                }
            }
            return true;
        },
        what);

    internal static async Task<bool> Ready(TestNode node) => await node.GetStatusAsync("/readyz") == 200;

    public async ValueTask DisposeAsync()
    {
        foreach (TestNode node in _nodes)
        {
            await node.DisposeAsync();
        }
        foreach (LoadBalancer proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }
        await Redis.DisposeAsync();
    }
}
