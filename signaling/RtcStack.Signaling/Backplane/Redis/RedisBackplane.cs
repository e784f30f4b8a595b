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
/// healthy again. Key layout: <see cref="RedisKeys"/>. Composed of parts: this class (lifecycle, publishing),
/// <see cref="RedisCommands"/> (the Redis-or-local fallback), <see cref="RedisRooms"/> (peer subscriptions and room
/// membership) and <see cref="RedisSessions"/> (session owners, held invitations, handover).
/// </summary>
public sealed class RedisBackplane : IBackplane
{
    private readonly RedisBackplaneOptions _options;
    private readonly ILogger _logger;
    private readonly RedisKeys _keys;
    private readonly LocalMirror _local = new();
    private readonly RemotePresence _presence;
    private readonly RedisHandoverBroker _handover;
    private readonly RedisResync _resync;
    private readonly RedisNodeLiveness _liveness;
    private readonly RedisCommands _redis;
    private readonly RedisRooms _rooms;
    private readonly RedisSessions _sessions;
    private IBackplaneHandler? _handler;
    private ConnectionMultiplexer? _mux;
    private readonly RedisNodeChannel _channel;
    private volatile string? _unsupported; // why the connected Redis cannot be used (too old), or null

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
        _presence = new RemotePresence(_local);
        var lost = new RedisLostPeers(_keys, NodeId, _logger);
        _resync = new RedisResync(_keys, _local, _presence, lost, () => Handler, NodeId, options.ReconnectInterval, _logger);
        _channel = new RedisNodeChannel(_keys, NodeId, _local, _presence, _handover, lost, () => Handler, _logger);
        _liveness = new RedisNodeLiveness(_keys, _local, lost, NodeId, options.NodeLivenessTtl, _logger);
        _redis = new RedisCommands(_logger);
        _rooms = new RedisRooms(_redis, _keys, _local, _presence, NodeId);
        _sessions = new RedisSessions(_redis, _keys, _local, _handover, NodeId, () => Handler, _logger);
    }

    /// <inheritdoc/>
    public string NodeId { get; }

    /// <inheritdoc/>
    public bool IsHealthy => _unsupported is null && _mux is { IsConnected: true } && _resync.IsSynced;

    /// <inheritdoc/>
    /// <remarks>False: envelopes to other nodes are serialized, so the hub never publishes in-memory-only messages here.</remarks>
    public bool DeliversByReference => false;

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
        _redis.Mux = _mux;
        _mux.ConnectionFailed += (_, e) =>
        {
            _resync.MarkStale();
            RedisBackplaneLog.ConnectionLost(_logger, e.Exception, e.FailureType.ToString());
        };
        _mux.ConnectionRestored += (_, _) =>
        {
            // Also the first connect when Redis was down at start: its version was not checked then.
            if (CheckVersion(_mux))
            {
                _resync.Start(_mux, SubscribeAsync);
            }
        };
        if (TooOld(_mux) is { } tooOld)
        {
            await _mux.DisposeAsync().ConfigureAwait(false);
            _mux = null;
            throw new InvalidOperationException(tooOld);
        }
        if (!_mux.IsConnected || !await TrySubscribeAsync().ConfigureAwait(false))
        {
            _resync.Start(_mux, SubscribeAsync);
        }

        await SweepPreviousLifeAsync(handler).ConfigureAwait(false);
        _liveness.Start(_mux, handler, () => _resync.Start(_mux, SubscribeAsync));
        RedisBackplaneLog.Started(_logger, NodeId, _mux.IsConnected);
    }

    /// <summary>The scripts use <c>XADD ... MINID</c> and exclusive stream ranges: Redis 6.2 or later (docs/operations.md).</summary>
    /// <returns>Why a connected server is too old, or null.</returns>
    internal static string? TooOld(ConnectionMultiplexer mux)
    {
        foreach (IServer server in mux.GetServers())
        {
            if (server.IsConnected && server.Version < MinimumVersion)
            {
                return $"The Redis backplane needs Redis {MinimumVersion} or later; {server.EndPoint} runs {server.Version}.";
            }
        }
        return null;
    }

    /// <summary>After a (re)connect: false, logged, and not ready (<see cref="IsHealthy"/>) while the server is too old.</summary>
    private bool CheckVersion(ConnectionMultiplexer mux)
    {
        string? tooOld = TooOld(mux);
        _unsupported = tooOld;
        if (tooOld is not null)
        {
            RedisBackplaneLog.UnsupportedVersion(_logger, tooOld);
        }
        return tooOld is null;
    }

    private static readonly Version MinimumVersion = new(6, 2);

    private async Task SweepPreviousLifeAsync(IBackplaneHandler handler) =>
        await RedisOr(async db =>
        {
            await _liveness.SweepPreviousLifeAsync(db, handler).ConfigureAwait(false);
            await _resync.ReadEpochAsync(db).ConfigureAwait(false);
            return true;
        }, () => false).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask<bool> PublishToPeerAsync(PeerId peer, BackplaneEnvelope envelope, CancellationToken cancellationToken)
    {
        if (_local.IsDirect(peer.Value) && await Handler.OnEnvelopeAsync(peer, envelope).ConfigureAwait(false))
        {
            return true;
        }

        bool? routed = await RedisOr<bool?>(
            async db =>
            {
                string payload = NodeChannelMessage.EncodeDelivery(peer.Value, NodeChannelMessage.EncodeEnvelope(envelope));
                return (long)await db.ScriptEvaluateAsync(RedisScripts.PublishToRoute, [_keys.Route(peer.Value)], [_keys.NodeChannelPrefix, payload]).ConfigureAwait(false) > 0;
            },
            () => null).ConfigureAwait(false);

        // Redis is unreachable: a peer that arrived here by handover is still delivered to.
        return routed ?? (_local.IsLocal(peer.Value) && await Handler.OnEnvelopeAsync(peer, envelope).ConfigureAwait(false));
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

            if (!_local.IsDirect(member) || !await Handler.OnEnvelopeAsync(new PeerId(member), envelope).ConfigureAwait(false))
            {
                remote.Add(member);
            }
        }

        if (remote.Count == 0)
        {
            return;
        }

        bool routed = await RedisOr(
            async db =>
            {
                RedisValue[] args = [_keys.NodeChannelPrefix, NodeChannelMessage.EncodeEnvelope(envelope), .. remote.Select(p => (RedisValue)p)];
                await db.ScriptEvaluateAsync(RedisScripts.PublishToRoutes, [.. remote.Select(p => _keys.Route(p))], args).ConfigureAwait(false);
                return true;
            },
            () => false).ConfigureAwait(false);
        if (!routed)
        {
            // Redis is unreachable: at least the peers that arrived here by handover still get it.
            foreach (string member in remote.Where(_local.IsLocal))
            {
                await Handler.OnEnvelopeAsync(new PeerId(member), envelope).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask SubscribePeerAsync(PeerId peer, CancellationToken cancellationToken) => _rooms.SubscribePeerAsync(peer);

    /// <inheritdoc/>
    public ValueTask UnsubscribePeerAsync(PeerId peer, CancellationToken cancellationToken) => _rooms.UnsubscribePeerAsync(peer);

    /// <inheritdoc/>
    public ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity, CancellationToken cancellationToken) =>
        _rooms.AddMemberAsync(room, member, capacity);

    /// <inheritdoc/>
    public ValueTask<bool> UpdateMemberAsync(RoomId room, RoomMember member, CancellationToken cancellationToken) => _rooms.UpdateMemberAsync(room, member);

    /// <inheritdoc/>
    public ValueTask<bool> RemoveMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) => _rooms.RemoveMemberAsync(room, peer);

    /// <inheritdoc/>
    public ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) => _rooms.IsMemberAsync(room, peer);

    /// <inheritdoc/>
    /// <remarks>A read from Redis for a room with members here is what this node's members now know of the others.</remarks>
    public ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room, CancellationToken cancellationToken) => _rooms.GetMembersAsync(room);

    /// <inheritdoc/>
    public ValueTask<SessionOwner?> SetSessionOwnerAsync(PeerId peer, SessionOwner owner, CancellationToken cancellationToken) =>
        _sessions.SetSessionOwnerAsync(peer, owner);

    /// <inheritdoc/>
    public ValueTask<SessionOwner?> GetSessionOwnerAsync(PeerId peer, CancellationToken cancellationToken) => _sessions.GetSessionOwnerAsync(peer);

    /// <inheritdoc/>
    public ValueTask RemoveSessionOwnerAsync(PeerId peer, string sessionId, CancellationToken cancellationToken) =>
        _sessions.RemoveSessionOwnerAsync(peer, sessionId);

    /// <inheritdoc/>
    public ValueTask HoldInvitationAsync(CallState call, CancellationToken cancellationToken) => _sessions.HoldInvitationAsync(call);

    /// <inheritdoc/>
    public ValueTask ReleaseInvitationAsync(string callId, CancellationToken cancellationToken) => _sessions.ReleaseInvitationAsync(callId);

    /// <inheritdoc/>
    public ValueTask EndHeldInvitationAsync(string callId, CancellationToken cancellationToken) => _sessions.EndHeldInvitationAsync(callId);

    /// <inheritdoc/>
    public ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken) =>
        _sessions.RequestHandoverAsync(owner, peer, resumeSessionId, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _resync.Stop();
        await _liveness.StopAsync().ConfigureAwait(false);
        if (_mux is not null)
        {
            await _mux.CloseAsync().ConfigureAwait(false);
            await _mux.DisposeAsync().ConfigureAwait(false);
        }

        _channel.Dispose();
    }

    private IBackplaneHandler Handler => _handler ?? throw new InvalidOperationException("The backplane is not started.");

    private ValueTask<T> RedisOr<T>(Func<IDatabase, Task<T>> shared, Func<T> local) => _redis.RedisOr(shared, local);

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            await SubscribeAsync().ConfigureAwait(false);
            _resync.MarkSynced();
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisBackplaneLog.CommandFailed(_logger, ex);
            return false;
        }
    }

    private Task SubscribeAsync() => _channel.SubscribeAsync(_mux!);
}
