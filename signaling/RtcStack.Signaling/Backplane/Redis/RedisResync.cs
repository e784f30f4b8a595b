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

    /// <summary>
    /// Writes this node's peers back without taking anything from another node: an owner only where no other node
    /// owns the peer now (another node may have taken it over, or swept this node as dead, while it was cut off), and
    /// routes and memberships only for the peers it still owns.
    /// </summary>
    private async Task WriteBackAsync(IDatabase db)
    {
        var owners = _local.Owners.ToArray();
        var restores = owners.Select(o => db.ScriptEvaluateAsync(
            RedisLivenessScripts.RestoreOwner,
            [_keys.Owner(o.Key), _keys.NodePeers(_nodeId)],
            [_nodeId, o.Value.SessionId, o.Key])).ToArray();
        await Task.WhenAll(restores).ConfigureAwait(false);
        var mine = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < owners.Length; i++)
        {
            if ((long)restores[i].Result == 1)
            {
                mine.Add(owners[i].Key);
            }
        }

        // A peer here without an owner entry (arriving by handover, or a backplane used without owners) is written
        // back too, its route only where no other node routes it.
        bool Ours(string peer) => mine.Contains(peer) || !_local.Owners.ContainsKey(peer);
        string[] peers = [.. _local.Subscriptions.Keys.Where(Ours)];
        var members = _local.Snapshot().Where(m => Ours(m.Member.Peer)).ToArray();
        var writes = new List<Task>(peers.Length + (2 * members.Length));
        writes.AddRange(peers.Select(p => (Task)db.StringSetAsync(_keys.Route(p), _nodeId, when: mine.Contains(p) ? When.Always : When.NotExists)));
        writes.AddRange(members.Select(m => (Task)db.HashSetAsync(_keys.Room(m.Room), m.Member.Peer, m.Member.MetaJson ?? "")));
        writes.AddRange(members.Select(m => (Task)db.SetAddAsync(_keys.PeerRooms(m.Member.Peer), m.Room)));
        await Task.WhenAll(writes).ConfigureAwait(false);
        RedisBackplaneLog.Restored(_logger, peers.Length, members.Length, mine.Count);
    }
}
