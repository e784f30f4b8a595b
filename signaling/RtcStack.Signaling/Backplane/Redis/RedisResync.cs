using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// Brings Redis back in line with this node after the connection returns: makes sure the node's channels are
/// subscribed, then writes back its routes, memberships and session owners (Redis may have restarted empty).
/// Retried with Polly at a constant interval until it succeeds or the backplane stops; only then is the node
/// healthy again. Runs are serialized.
/// </summary>
internal sealed class RedisResync
{
    private readonly RedisKeys _keys;
    private readonly LocalMirror _local;
    private readonly string _nodeId;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _synced;

    public RedisResync(RedisKeys keys, LocalMirror local, string nodeId, TimeSpan interval, ILogger logger)
    {
        _keys = keys;
        _local = local;
        _nodeId = nodeId;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            BackoffType = DelayBackoffType.Constant,
            Delay = interval,
            MaxRetryAttempts = int.MaxValue,
            ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>(),
            OnRetry = args =>
            {
                RedisBackplaneLog.ResyncFailed(logger, args.Outcome.Exception, args.AttemptNumber + 1);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }

    public bool IsSynced => _synced;

    public void MarkStale() => _synced = false;

    public void MarkSynced() => _synced = true;

    public void Start(ConnectionMultiplexer mux, Func<Task> subscribe) => _ = Task.Run(() => RunAsync(mux, subscribe));

    public void Stop()
    {
        _synced = false;
        _stop.Cancel();
    }

    private async Task RunAsync(ConnectionMultiplexer mux, Func<Task> subscribe)
    {
        try
        {
            await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await _retry.ExecuteAsync(
                async _ =>
                {
                    if (!mux.IsConnected)
                    {
                        throw new TimeoutException("Redis is not connected yet.");
                    }

                    await subscribe().ConfigureAwait(false);
                    await WriteBackAsync(mux.GetDatabase()).ConfigureAwait(false);
                },
                _stop.Token).ConfigureAwait(false);
            _synced = mux.IsConnected;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The backplane is stopping.
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task WriteBackAsync(IDatabase db)
    {
        string[] peers = [.. _local.Subscriptions.Keys];
        var members = _local.Snapshot();
        var owners = _local.Owners.ToArray();
        var writes = new List<Task>(peers.Length + members.Length + owners.Length);
        writes.AddRange(peers.Select(p => (Task)db.StringSetAsync(_keys.Route(p), _nodeId)));
        writes.AddRange(members.Select(m => (Task)db.HashSetAsync(_keys.Room(m.Room), m.Member.Peer, m.Member.MetaJson ?? "")));
        writes.AddRange(owners.Select(o => (Task)db.HashSetAsync(_keys.Owner(o.Key), [new HashEntry("node", o.Value.NodeId), new HashEntry("session", o.Value.SessionId)])));
        await Task.WhenAll(writes).ConfigureAwait(false);
        RedisBackplaneLog.Restored(_logger, peers.Length, members.Length, owners.Length);
    }
}
