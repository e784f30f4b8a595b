using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// The Redis-or-local fallback shared by the parts of <see cref="RedisBackplane"/>: a command runs against Redis when
/// it is reachable, and the local answer is used when it is not or the command fails.
/// </summary>
internal sealed class RedisCommands(ILogger logger)
{
    /// <summary>The connection, set once at start.</summary>
    public ConnectionMultiplexer? Mux { get; set; }

    public bool Usable => Mux is { IsConnected: true };

    /// <summary>Runs <paramref name="shared"/> against Redis, or <paramref name="local"/> when Redis is unreachable or the command fails.</summary>
    public async ValueTask<T> RedisOr<T>(Func<IDatabase, Task<T>> shared, Func<T> local)
    {
        if (!Usable)
        {
            return local();
        }

        try
        {
            return await shared(Mux!.GetDatabase()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            RedisBackplaneLog.CommandFailed(logger, ex);
            return local();
        }
    }
}
