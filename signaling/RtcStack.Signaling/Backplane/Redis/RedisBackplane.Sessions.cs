using System.Text.Json;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>Session owners, invitations held for offline callees, and session handover between nodes.</summary>
public sealed partial class RedisBackplane
{
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
}
