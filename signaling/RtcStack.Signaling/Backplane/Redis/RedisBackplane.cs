using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// The scale-out backplane: nodes share room membership, routes and session ownership in Redis and deliver
/// to each other over pub/sub (one channel per node, processed in order, so envelopes from one publisher
/// arrive in publish order). Peers on this node are delivered to directly. While Redis is unreachable,
/// <see cref="IsHealthy"/> is false and every operation falls back to <see cref="LocalMirror"/>, so local
/// rooms keep working; when Redis returns, this node writes its peers back (with a Polly retry) and is
/// healthy again. Key layout: <see cref="RedisKeys"/>.
/// </summary>
public sealed class RedisBackplane : IBackplane
{
    private readonly RedisBackplaneOptions _options;
    private readonly ILogger _logger;
    private readonly RedisKeys _keys;
    private readonly LocalMirror _local = new();
    private readonly RedisHandoverBroker _handover;
    private readonly RedisResync _resync;
    private IBackplaneHandler? _handler;
    private ConnectionMultiplexer? _mux;
    private readonly SemaphoreSlim _subscribeLock = new(1, 1);
    private volatile bool _subscribed;

    /// <summary>Creates the backplane; nothing connects until <see cref="StartAsync"/>.</summary>
    public RedisBackplane(RedisBackplaneOptions options, ILogger<RedisBackplane>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        NodeId = options.NodeId ?? "node-" + Guid.NewGuid().ToString("N")[..12];
        _keys = new RedisKeys(options.KeyPrefix);
        _handover = new RedisHandoverBroker(_keys, NodeId, options.HandoverTimeout, _logger);
        _resync = new RedisResync(_keys, _local, NodeId, options.ReconnectInterval, _logger);
    }

    /// <inheritdoc/>
    public string NodeId { get; }

    /// <inheritdoc/>
    public bool IsHealthy => _mux is { IsConnected: true } && _resync.IsSynced;

    private bool Usable => _mux is { IsConnected: true };

    private IDatabase Db => _mux!.GetDatabase();

    /// <inheritdoc/>
    public async ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken)
    {
        _handler = handler;
        var config = ConfigurationOptions.Parse(_options.ConnectionString);
        config.AbortOnConnectFail = false;
        config.ClientName = NodeId;
        config.ConnectTimeout = (int)_options.CommandTimeout.TotalMilliseconds;
        config.SyncTimeout = config.AsyncTimeout = (int)_options.CommandTimeout.TotalMilliseconds;
        config.ReconnectRetryPolicy = new LinearRetry((int)_options.ReconnectInterval.TotalMilliseconds);
        _mux = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        _mux.ConnectionFailed += (_, e) =>
        {
            _resync.MarkStale();
            RedisBackplaneLog.ConnectionLost(_logger, e.Exception, e.FailureType.ToString());
        };
        _mux.ConnectionRestored += (_, _) => _resync.Start(_mux, SubscribeAsync);
        if (_mux.IsConnected)
        {
            await SubscribeAsync().ConfigureAwait(false);
            _resync.MarkSynced();
        }
        else
        {
            _resync.Start(_mux, SubscribeAsync);
        }

        RedisBackplaneLog.Started(_logger, NodeId, _mux.IsConnected);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> PublishToPeerAsync(PeerId peer, BackplaneEnvelope envelope, CancellationToken cancellationToken)
    {
        if (_local.IsLocal(peer.Value))
        {
            await Handler.OnEnvelopeAsync(peer, envelope).ConfigureAwait(false);
            return true;
        }

        return await RedisOr(async db =>
        {
            RedisValue node = await db.StringGetAsync(_keys.Route(peer.Value)).ConfigureAwait(false);
            return !node.IsNull && await PublishDeliveryAsync(node.ToString(), [peer.Value], envelope).ConfigureAwait(false) > 0;
        }, () => false).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask PublishToRoomAsync(RoomId room, BackplaneEnvelope envelope, CancellationToken cancellationToken)
    {
        string[] members = await RedisOr(
            async db => (await db.HashKeysAsync(_keys.Room(room.Value)).ConfigureAwait(false)).Select(v => v.ToString()).ToArray(),
            () => _local.Members(room.Value).Select(m => m.Peer).ToArray()).ConfigureAwait(false);
        var remote = new List<string>();
        foreach (string member in members)
        {
            if (member == envelope.ExceptPeer)
            {
                continue;
            }

            if (_local.IsLocal(member))
            {
                await Handler.OnEnvelopeAsync(new PeerId(member), envelope).ConfigureAwait(false);
            }
            else
            {
                remote.Add(member);
            }
        }

        if (remote.Count > 0)
        {
            await RedisOr(async db =>
            {
                RedisValue[] nodes = await db.StringGetAsync([.. remote.Select(p => _keys.Route(p))]).ConfigureAwait(false);
                var byNode = remote.Zip(nodes).Where(x => !x.Second.IsNull && x.Second != NodeId).GroupBy(x => x.Second.ToString(), x => x.First);
                foreach (var group in byNode)
                {
                    await PublishDeliveryAsync(group.Key, [.. group], envelope).ConfigureAwait(false);
                }

                return true;
            }, () => false).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask SubscribePeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        _local.Subscriptions[peer.Value] = 0;
        await RedisOr(db => db.StringSetAsync(_keys.Route(peer.Value), NodeId), () => false).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask UnsubscribePeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        _local.Subscriptions.TryRemove(peer.Value, out _);
        _local.ForgetPeer(peer.Value);
        await RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.DeleteIfEquals, [_keys.Route(peer.Value)], [NodeId]).ConfigureAwait(false), () => 0L).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity, CancellationToken cancellationToken)
    {
        RoomJoinResult? shared = await RedisOr<RoomJoinResult?>(async db =>
        {
            long result = (long)await db.ScriptEvaluateAsync(RedisScripts.AddMember, [_keys.Room(room.Value)], [member.Peer, member.MetaJson ?? "", capacity]).ConfigureAwait(false);
            return result switch { 0 => RoomJoinResult.Joined, 1 => RoomJoinResult.AlreadyMember, _ => RoomJoinResult.Full };
        }, () => null).ConfigureAwait(false);
        if (shared == RoomJoinResult.Full)
        {
            return RoomJoinResult.Full;
        }

        RoomJoinResult local = _local.Add(room.Value, member, capacity, enforceCapacity: shared is null);
        return shared ?? local;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> UpdateMemberAsync(RoomId room, RoomMember member, CancellationToken cancellationToken)
    {
        bool local = _local.Update(room.Value, member);
        return await RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.UpdateMember, [_keys.Room(room.Value)], [member.Peer, member.MetaJson ?? ""]).ConfigureAwait(false) == 1, () => local).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> RemoveMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken)
    {
        bool local = _local.Remove(room.Value, peer.Value);
        return await RedisOr(db => db.HashDeleteAsync(_keys.Room(room.Value), peer.Value), () => local).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) =>
        RedisOr(db => db.HashExistsAsync(_keys.Room(room.Value), peer.Value), () => _local.IsMember(room.Value, peer.Value));

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room, CancellationToken cancellationToken) =>
        RedisOr<IReadOnlyList<RoomMember>>(
            async db => [.. (await db.HashGetAllAsync(_keys.Room(room.Value)).ConfigureAwait(false)).Select(e => new RoomMember(e.Name.ToString(), e.Value.IsNullOrEmpty ? null : e.Value.ToString()))],
            () => _local.Members(room.Value));

    /// <inheritdoc/>
    public async ValueTask<SessionOwner?> SetSessionOwnerAsync(PeerId peer, SessionOwner owner, CancellationToken cancellationToken)
    {
        _local.Owners.TryGetValue(peer.Value, out SessionOwner? localPrevious);
        if (owner.NodeId == NodeId)
        {
            _local.Owners[peer.Value] = owner;
        }
        else
        {
            _local.Owners.TryRemove(peer.Value, out _);
        }

        return await RedisOr(async db =>
        {
            var old = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.SetOwner, [_keys.Owner(peer.Value)], [owner.NodeId, owner.SessionId]).ConfigureAwait(false))!;
            return old.Length == 2 && !old[0].IsNull && !old[1].IsNull ? new SessionOwner(old[0].ToString()!, old[1].ToString()!) : null;
        }, () => localPrevious).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<SessionOwner?> GetSessionOwnerAsync(PeerId peer, CancellationToken cancellationToken) =>
        RedisOr(async db =>
        {
            RedisValue[] fields = await db.HashGetAsync(_keys.Owner(peer.Value), ["node", "session"]).ConfigureAwait(false);
            return fields[0].IsNull || fields[1].IsNull ? null : new SessionOwner(fields[0].ToString(), fields[1].ToString());
        }, () => _local.Owners.TryGetValue(peer.Value, out SessionOwner? owner) ? owner : null);

    /// <inheritdoc/>
    public async ValueTask RemoveSessionOwnerAsync(PeerId peer, string sessionId, CancellationToken cancellationToken)
    {
        if (_local.Owners.TryGetValue(peer.Value, out SessionOwner? owner) && owner.SessionId == sessionId)
        {
            _local.Owners.TryRemove(new KeyValuePair<string, SessionOwner>(peer.Value, owner));
        }

        await RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.RemoveOwner, [_keys.Owner(peer.Value)], [sessionId]).ConfigureAwait(false), () => 0L).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (owner.NodeId == NodeId)
        {
            return await Handler.OnHandoverRequestedAsync(peer, resumeSessionId).ConfigureAwait(false);
        }

        return await RedisOr(db => _handover.RequestAsync(_mux!.GetSubscriber(), owner, peer, resumeSessionId, cancellationToken), () => null).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _resync.Stop();
        if (_mux is not null)
        {
            await _mux.CloseAsync().ConfigureAwait(false);
            await _mux.DisposeAsync().ConfigureAwait(false);
        }

        _subscribeLock.Dispose();
    }

    private IBackplaneHandler Handler => _handler ?? throw new InvalidOperationException("The backplane is not started.");

    private async Task<long> PublishDeliveryAsync(string node, List<string> peers, BackplaneEnvelope envelope)
    {
        var delivery = new RedisDelivery { Peers = peers, Envelope = envelope };
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(delivery, RedisBackplaneJsonContext.Default.RedisDelivery);
        return await _mux!.GetSubscriber().PublishAsync(_keys.NodeChannel(node), payload).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="shared"/> against Redis, or <paramref name="local"/> when Redis is unreachable or the command fails.</summary>
    private async ValueTask<T> RedisOr<T>(Func<IDatabase, Task<T>> shared, Func<T> local)
    {
        if (!Usable)
        {
            return local();
        }

        try
        {
            return await shared(Db).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            RedisBackplaneLog.CommandFailed(_logger, ex);
            return local();
        }
    }

    private async Task SubscribeAsync()
    {
        // StartAsync and a ConnectionRestored resync can both get here at once; two subscriptions to the node
        // channel would deliver every envelope twice, so only one caller subscribes.
        await _subscribeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_subscribed)
            {
                return;
            }

            var subscriber = _mux!.GetSubscriber();
            (await subscriber.SubscribeAsync(_keys.NodeChannel(NodeId)).ConfigureAwait(false)).OnMessage(OnDeliveryAsync);
            (await subscriber.SubscribeAsync(_keys.HandoverChannel(NodeId)).ConfigureAwait(false)).OnMessage(m => _handover.OnRequestAsync(subscriber, Handler, m.Message));
            (await subscriber.SubscribeAsync(_keys.ReplyChannel(NodeId)).ConfigureAwait(false)).OnMessage(m => _handover.OnReply(m.Message));
            _subscribed = true;
        }
        finally
        {
            _subscribeLock.Release();
        }
    }

    private async Task OnDeliveryAsync(ChannelMessage message)
    {
        try
        {
            var delivery = JsonSerializer.Deserialize((byte[])message.Message!, RedisBackplaneJsonContext.Default.RedisDelivery);
            if (delivery is null)
            {
                return;
            }

            foreach (string peer in delivery.Peers)
            {
                if (_local.IsLocal(peer) && peer != delivery.Envelope.ExceptPeer)
                {
                    await Handler.OnEnvelopeAsync(new PeerId(peer), delivery.Envelope).ConfigureAwait(false);
                }
            }
        }
        catch (JsonException ex)
        {
            RedisBackplaneLog.BadMessage(_logger, ex, "node");
        }
#pragma warning disable CA1031 // A failing handler must not stop this node's delivery queue.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RedisBackplaneLog.DeliveryFailed(_logger, ex);
        }
    }
}
