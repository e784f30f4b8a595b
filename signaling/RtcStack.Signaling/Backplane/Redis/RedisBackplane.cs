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
    private readonly RemotePresence _presence;
    private readonly RedisHandoverBroker _handover;
    private readonly RedisResync _resync;
    private readonly RedisNodeLiveness _liveness;
    private IBackplaneHandler? _handler;
    private ConnectionMultiplexer? _mux;
    private readonly RedisNodeChannel _channel;

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
        _resync = new RedisResync(_keys, _local, _presence, () => Handler, NodeId, options.ReconnectInterval, _logger);
        _channel = new RedisNodeChannel(_keys, NodeId, _local, _presence, _handover, () => Handler, _logger);
        _liveness = new RedisNodeLiveness(_keys, _local, NodeId, options.NodeLivenessTtl, _logger);
    }

    /// <inheritdoc/>
    public string NodeId { get; }

    /// <inheritdoc/>
    public bool IsHealthy => _mux is { IsConnected: true } && _resync.IsSynced;

    /// <inheritdoc/>
    /// <remarks>False: envelopes to other nodes are serialized, so the hub never publishes in-memory-only messages here.</remarks>
    public bool DeliversByReference => false;

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
        if (!_mux.IsConnected || !await TrySubscribeAsync().ConfigureAwait(false))
        {
            _resync.Start(_mux, SubscribeAsync);
        }

        await SweepPreviousLifeAsync(handler).ConfigureAwait(false);
        _liveness.Start(_mux, handler, () => _resync.Start(_mux, SubscribeAsync));
        RedisBackplaneLog.Started(_logger, NodeId, _mux.IsConnected);
    }

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
    public async ValueTask SubscribePeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        _local.Subscriptions.TryAdd(peer.Value, LocalMirror.Direct);
        await RedisOr(db => db.StringSetAsync(_keys.Route(peer.Value), NodeId), () => false).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask UnsubscribePeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        _local.Subscriptions.TryRemove(peer.Value, out _);
        _presence.Forget(_local.ForgetPeer(peer.Value));
        await RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.DeleteIfEquals, [_keys.Route(peer.Value)], [NodeId]).ConfigureAwait(false), () => 0L).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<RoomJoinResult> AddMemberAsync(RoomId room, RoomMember member, int capacity, CancellationToken cancellationToken)
    {
        RoomJoinResult? shared = await RedisOr<RoomJoinResult?>(async db =>
        {
            long result = (long)await db.ScriptEvaluateAsync(RedisScripts.AddMember, [_keys.Room(room.Value), _keys.PeerRooms(member.Peer)], [member.Peer, member.MetaJson ?? "", capacity, room.Value]).ConfigureAwait(false);
            return result switch { 0 => RoomJoinResult.Joined, 1 => RoomJoinResult.AlreadyMember, _ => RoomJoinResult.Full };
        }, () => null).ConfigureAwait(false);
        if (shared == RoomJoinResult.Full)
        {
            return RoomJoinResult.Full;
        }

        RoomJoinResult local = _local.Add(room.Value, member, capacity, enforceCapacity: shared is null);
        if (shared is null && local == RoomJoinResult.Joined)
        {
            _presence.JoinedBlind(room.Value, member.Peer);
        }

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
        bool? shared = await RedisOr<bool?>(
            async db => (long)await db.ScriptEvaluateAsync(RedisScripts.RemoveMember, [_keys.Room(room.Value), _keys.PeerRooms(peer.Value), _keys.Owner(peer.Value)], [peer.Value, room.Value, NodeId]).ConfigureAwait(false) == 1,
            () => null).ConfigureAwait(false);
        if (shared is null && local)
        {
            // The other nodes are told when Redis is back (RedisPresenceRepair).
            _presence.LeftBlind(room.Value, peer.Value);
        }

        if (!_local.HasRoom(room.Value))
        {
            _presence.Forget(room.Value);
        }

        return shared ?? local;
    }

    /// <inheritdoc/>
    public ValueTask<bool> IsMemberAsync(RoomId room, PeerId peer, CancellationToken cancellationToken) =>
        RedisOr(db => db.HashExistsAsync(_keys.Room(room.Value), peer.Value), () => _local.IsMember(room.Value, peer.Value));

    /// <inheritdoc/>
    /// <remarks>A read from Redis for a room with members here is what this node's members now know of the others.</remarks>
    public ValueTask<IReadOnlyList<RoomMember>> GetMembersAsync(RoomId room, CancellationToken cancellationToken) =>
        RedisOr<IReadOnlyList<RoomMember>>(
            async db =>
            {
                RoomMember[] members = RemotePresence.FromHash(await db.HashGetAllAsync(_keys.Room(room.Value)).ConfigureAwait(false));
                _presence.Replace(room.Value, members);
                return members;
            },
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
            var old = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.SetOwner, [_keys.Owner(peer.Value), _keys.NodePeers(owner.NodeId)], [owner.NodeId, owner.SessionId, peer.Value, _keys.NodePeersPrefix]).ConfigureAwait(false))!;
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

        await RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.RemoveOwner, [_keys.Owner(peer.Value)], [sessionId, peer.Value, _keys.NodePeersPrefix]).ConfigureAwait(false), () => 0L).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask HoldInvitationAsync(CallState call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        string json = JsonSerializer.Serialize(call, RedisBackplaneJsonContext.Default.CallState);
        _local.Held[call.Id] = json;
        await RedisOr(db => db.HashSetAsync(_keys.Held(NodeId), call.Id, json), () => false).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask ReleaseInvitationAsync(string callId, CancellationToken cancellationToken)
    {
        if (_local.Held.TryRemove(callId, out _))
        {
            await RedisOr(db => db.HashDeleteAsync(_keys.Held(NodeId), callId), () => false).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask EndHeldInvitationAsync(string callId, CancellationToken cancellationToken) =>
        await RedisOr(db => db.ScriptEvaluateAsync(RedisLivenessScripts.EndHeld, [_keys.Nodes], [callId, _keys.Prefix]), () => RedisResult.Create(0)).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (owner.NodeId == NodeId)
        {
            return await Handler.OnHandoverRequestedAsync(peer, resumeSessionId).ConfigureAwait(false);
        }

        // Take the route first (atomic in Redis with every routed publish), then ask the owner on its node channel:
        // it handles the request after every envelope routed to it before, and all later ones come here.
        _local.Subscriptions[peer.Value] = LocalMirror.ThroughChannel;
        (bool answered, ResumeState? state) = await RedisOr<(bool Answered, ResumeState? State)>(
            async db =>
            {
                await db.StringSetAsync(_keys.Route(peer.Value), NodeId).ConfigureAwait(false);
                return await _handover.RequestAsync(_mux!.GetSubscriber(), owner, peer, resumeSessionId, cancellationToken).ConfigureAwait(false);
            },
            () => (true, null)).ConfigureAwait(false);
        if (state is null)
        {
            await ForgetOwnerAsync(owner, peer, answered).ConfigureAwait(false);
        }

        return state;
    }

    /// <summary>
    /// No session came back. Either the owner ended it (its members were told and its owner entry is gone, so this
    /// finds nothing), or the owner's session will never leave its rooms: its node is gone or hung past the handover
    /// timeout, or it had already handed the session to a node that died before taking ownership. Then remove the
    /// peer's memberships now (once, if that session still owns the peer) and let the handler tell the rooms. A late
    /// answer from the old node then finds another owner and changes nothing shared.
    /// </summary>
    private async Task ForgetOwnerAsync(SessionOwner owner, PeerId peer, bool answered)
    {
        RedisResult[] rooms = await RedisOr<RedisResult[]>(
            async db => (RedisResult[])(await db.ScriptEvaluateAsync(
                RedisLivenessScripts.ForgetPeer,
                [_keys.Owner(peer.Value), _keys.PeerRooms(peer.Value)],
                [owner.NodeId, owner.SessionId, peer.Value, _keys.Prefix]).ConfigureAwait(false))!,
            () => []).ConfigureAwait(false);
        if (rooms.Length > 0)
        {
            RedisBackplaneLog.SessionForgotten(_logger, owner.NodeId, answered, rooms.Length);
            await Handler.OnMembershipsLostAsync([.. rooms.Select(r => new LostMembership(new RoomId(r.ToString()!), peer))]).ConfigureAwait(false);
        }
    }

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
