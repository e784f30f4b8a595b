using RtcStack.Server.Tests.Infrastructure;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// Shared setup of the node-death tests: a real redis-server, a survivor node in this process and a doomed node in
/// its own process (to be killed), both with a 5 s liveness TTL and the ring time the test chooses.
/// </summary>
public abstract class DoomedNodeTests(string ringTime) : IAsyncLifetime
{
    private const string LivenessTtl = "RedisBackplane:NodeLivenessTtl=00:00:05";
    private RedisServerProcess _redis = null!;

    private protected TestNode Survivor { get; private set; } = null!;

    private protected ServerProcess Doomed { get; private set; } = null!;

    /// <summary>The setting that points a further node at the same redis-server.</summary>
    private protected string RedisSetting => "Redis=" + _redis.ConnectionString;

    public async Task InitializeAsync()
    {
        _redis = await RedisServerProcess.StartNewAsync();
        Survivor = await TestNode.StartAsync("Redis=" + _redis.ConnectionString, LivenessTtl, ringTime);
        Doomed = await ServerProcess.StartAsync("Redis=" + _redis.ConnectionString, LivenessTtl, ringTime);
        await Eventually.TrueAsync(async () => await Survivor.GetStatusAsync("/readyz") == 200, "the survivor is ready");
    }

    public async Task DisposeAsync()
    {
        await Survivor.DisposeAsync();
        await Doomed.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
