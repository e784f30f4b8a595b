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
    private readonly RemotePresence _presence;
    private readonly RedisPresenceRepair _repair;
    private readonly RedisLostPeers _lost;
    private readonly Func<IBackplaneHandler> _handler;
    private readonly string _nodeId;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _synced;
    private bool _presumedDead;
    private bool _dataLost;

    // After Redis lost its data the other nodes write their members back as they reconnect: until this long after,
    // a repair (the connection's second restore event runs one) still merges what it reads and reports no one as left.
    private const long DataLossSettleMs = 30_000;
    private long _dataLostUntil;
    private string? _epoch;

    // Kept across failed attempts: a retry finds the memberships and owners already written and could not tell.
    private readonly HashSet<(string Room, string Peer)> _returned = [];
    private readonly HashSet<string> _revived = new(StringComparer.Ordinal);

    public RedisResync(RedisKeys keys, LocalMirror local, RemotePresence presence, RedisLostPeers lost, Func<IBackplaneHandler> handler, string nodeId, TimeSpan interval, ILogger logger)
    {
        _lost = lost;
        _keys = keys;
        _local = local;
        _presence = presence;
        _repair = new RedisPresenceRepair(keys, local, presence, nodeId, logger);
        _handler = handler;
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
                    // Lost-peer notices published while this node was disconnected (pub/sub does not keep them).
                    await _lost.CatchUpAsync(mux.GetDatabase(), _handler()).ConfigureAwait(false);
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

    /// <summary>Reads (or sets, on an empty Redis) the data set's epoch; true when it changed since the last read.</summary>
    public async Task<bool> ReadEpochAsync(IDatabase db)
    {
        await db.StringSetAsync(_keys.Epoch, Guid.NewGuid().ToString("N"), when: When.NotExists).ConfigureAwait(false);
        string? epoch = await db.StringGetAsync(_keys.Epoch).ConfigureAwait(false);
        bool changed = _epoch is not null && epoch != _epoch;
        _epoch = epoch;
        return changed;
    }

    /// <summary>
    /// Writes this node's peers back without taking anything from another node: an owner only where no other node
    /// owns the peer now (another node may have taken it over, or swept this node as dead, while it was cut off), and
    /// routes and memberships only for the peers it still owns.
    /// </summary>
    private async Task WriteBackAsync(IDatabase db)
    {
        // Redis restarted empty: every node writes its members back, so one missing now is not gone.
        _dataLost |= await ReadEpochAsync(db).ConfigureAwait(false);
        // The sweep of a node presumed dead leaves a tombstone: its peers' calls were ended on the other nodes, and
        // the survivor that swept it holds the invitations it held then.
        string? swept = await db.StringGetDeleteAsync(_keys.Swept(_nodeId)).ConfigureAwait(false);
        if (swept is not null)
        {
            _presumedDead = true;
            await DropTakenAsync(swept).ConfigureAwait(false);
        }
        var owners = _local.Owners.ToArray();
        var restores = owners.Select(o => db.ScriptEvaluateAsync(
            RedisLivenessScripts.RestoreOwner,
            [_keys.Owner(o.Key), _keys.NodePeers(_nodeId)],
            [_nodeId, o.Value.SessionId, o.Key])).ToArray();
        await Task.WhenAll(restores).ConfigureAwait(false);
        var mine = new HashSet<string>(StringComparer.Ordinal);
        var leftovers = new List<LeftoverSession>();
        for (int i = 0; i < owners.Length; i++)
        {
            long restored = (long)restores[i].Result;
            if (restored == 0)
            {
                // Another node took the peer over meanwhile (or swept it and it resumed elsewhere): this node holds
                // nothing of it any more, and its stale session here is dropped at once (below).
                _local.Subscriptions.TryRemove(owners[i].Key, out _);
                _local.Owners.TryRemove(owners[i]);
                _presence.Forget(_local.ForgetPeer(owners[i].Key));
                leftovers.Add(new LeftoverSession(new PeerId(owners[i].Key), owners[i].Value.SessionId));
                continue;
            }
            mine.Add(owners[i].Key);
            if (restored == 2)
            {
                _revived.Add(owners[i].Key);
            }
        }

        if (leftovers.Count > 0)
        {
            RedisBackplaneLog.LeftoversDropped(_logger, leftovers.Count);
            await _repair.NotifyAsync(h => h.OnSessionsTakenOverAsync(leftovers), _handler()).ConfigureAwait(false);
        }

        // A peer here without an owner entry (arriving by handover, or a backplane used without owners) is written
        // back too, its route only where no other node routes it.
        bool Ours(string peer) => mine.Contains(peer) || !_local.Owners.ContainsKey(peer);
        string[] peers = [.. _local.Subscriptions.Keys.Where(Ours)];
        var members = _local.Snapshot().Where(m => Ours(m.Member.Peer)).ToArray();
        var writes = new List<Task>(peers.Length + members.Length);
        writes.AddRange(peers.Select(p => (Task)db.StringSetAsync(_keys.Route(p), _nodeId, when: mine.Contains(p) ? When.Always : When.NotExists)));
        writes.AddRange(members.Select(m => (Task)db.SetAddAsync(_keys.PeerRooms(m.Member.Peer), m.Room)));
        RedisValue[] held = [.. _local.Held.ToArray().SelectMany(h => new RedisValue[] { h.Key, h.Value })];
        writes.Add(db.ScriptEvaluateAsync(RedisLivenessScripts.ReplaceHeld, [_keys.Held(_nodeId)], held));
        Task<bool>[] memberships = [.. members.Select(m => db.HashSetAsync(_keys.Room(m.Room), m.Member.Peer, m.Member.MetaJson ?? ""))];
        await Task.WhenAll([.. writes, .. memberships]).ConfigureAwait(false);
        RedisBackplaneLog.Restored(_logger, peers.Length, members.Length, mine.Count);

        for (int i = 0; i < members.Length; i++)
        {
            if (memberships[i].Result)
            {
                _returned.Add((members[i].Room, members[i].Member.Peer));
            }
        }
        await RepairAsync(db).ConfigureAwait(false);
    }

    /// <summary>
    /// The tombstone lists the invitations the sweep moved to a survivor (<c>T</c> + ids, space-separated): this
    /// node drops its copies (before writing its held invitations back), so each is delivered by one node only.
    /// </summary>
    private async Task DropTakenAsync(string tombstone)
    {
        string[] taken = tombstone.StartsWith('T') ? tombstone[1..].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (taken.Length == 0)
        {
            return;
        }
        foreach (string callId in taken)
        {
            _local.Held.TryRemove(callId, out _);
        }
        await _handler().OnHeldInvitationsTakenAsync(taken).ConfigureAwait(false);
    }

    /// <summary>Sends the presence events both sides missed, then ends revived sessions' calls with other nodes.</summary>
    private async Task RepairAsync(IDatabase db)
    {
        (var joins, var leaves) = _presence.TakeBlind();
        int rooms, departed;
        try
        {
            bool dataLost = _dataLost || Environment.TickCount64 < _dataLostUntil;
            (rooms, departed) = await _repair.RunAsync(db, _handler(), new RepairInput(_returned, joins, leaves, _presumedDead, dataLost)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _presence.PutBackBlind(joins, leaves);
            throw;
        }
        PeerId[] revived = _presumedDead ? [.. _revived.Where(_local.Owners.ContainsKey).Select(p => new PeerId(p))] : [];
        if (rooms > 0 || revived.Length > 0)
        {
            RedisBackplaneLog.PresenceRepaired(_logger, rooms, _returned.Count, departed, revived.Length);
        }
        _returned.Clear();
        _revived.Clear();
        _presumedDead = false;
        if (_dataLost)
        {
            _dataLostUntil = Environment.TickCount64 + DataLossSettleMs;
        }
        _dataLost = false;
        if (revived.Length > 0)
        {
            await _repair.NotifyAsync(h => h.OnSessionsRevivedAsync(revived), _handler()).ConfigureAwait(false);
        }
    }
}
