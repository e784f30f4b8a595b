using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// The <see cref="RedisBackplane"/> part for session owners, invitations held for offline callees, and session
/// handover between nodes.
/// </summary>
internal sealed class RedisSessions(
    RedisCommands redis,
    RedisKeys keys,
    LocalMirror mirror,
    RedisHandoverBroker handover,
    string nodeId,
    Func<IBackplaneHandler> handler,
    ILogger logger)
{
    public async ValueTask<SessionOwner?> SetSessionOwnerAsync(PeerId peer, SessionOwner owner)
    {
        mirror.Owners.TryGetValue(peer.Value, out SessionOwner? localPrevious);
        if (owner.NodeId == nodeId)
        {
            mirror.Owners[peer.Value] = owner;
        }
        else
        {
            mirror.Owners.TryRemove(peer.Value, out _);
        }

        return await redis.RedisOr(async db =>
        {
            var old = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.SetOwner, [keys.Owner(peer.Value), keys.NodePeers(owner.NodeId)], [owner.NodeId, owner.SessionId, peer.Value, keys.NodePeersPrefix]).ConfigureAwait(false))!;
            return old.Length == 2 && !old[0].IsNull && !old[1].IsNull ? new SessionOwner(old[0].ToString()!, old[1].ToString()!) : null;
        }, () => localPrevious).ConfigureAwait(false);
    }

    public ValueTask<SessionOwner?> GetSessionOwnerAsync(PeerId peer) =>
        redis.RedisOr(async db =>
        {
            RedisValue[] fields = await db.HashGetAsync(keys.Owner(peer.Value), ["node", "session"]).ConfigureAwait(false);
            return fields[0].IsNull || fields[1].IsNull ? null : new SessionOwner(fields[0].ToString(), fields[1].ToString());
        }, () => mirror.Owners.TryGetValue(peer.Value, out SessionOwner? owner) ? owner : null);

    public async ValueTask RemoveSessionOwnerAsync(PeerId peer, string sessionId)
    {
        if (mirror.Owners.TryGetValue(peer.Value, out SessionOwner? owner) && owner.SessionId == sessionId)
        {
            mirror.Owners.TryRemove(new KeyValuePair<string, SessionOwner>(peer.Value, owner));
        }

        await redis.RedisOr(async db => (long)await db.ScriptEvaluateAsync(RedisScripts.RemoveOwner, [keys.Owner(peer.Value)], [sessionId, peer.Value, keys.NodePeersPrefix]).ConfigureAwait(false), () => 0L).ConfigureAwait(false);
    }

    public async ValueTask HoldInvitationAsync(CallState call)
    {
        ArgumentNullException.ThrowIfNull(call);
        string json = JsonSerializer.Serialize(call, RedisBackplaneJsonContext.Default.CallState);
        mirror.Held[call.Id] = json;
        await redis.RedisOr(db => db.HashSetAsync(keys.Held(nodeId), call.Id, json), () => false).ConfigureAwait(false);
    }

    public async ValueTask ReleaseInvitationAsync(string callId)
    {
        if (mirror.Held.TryRemove(callId, out _))
        {
            await redis.RedisOr(db => db.HashDeleteAsync(keys.Held(nodeId), callId), () => false).ConfigureAwait(false);
        }
    }

    public async ValueTask EndHeldInvitationAsync(string callId) =>
        await redis.RedisOr(db => db.ScriptEvaluateAsync(RedisLivenessScripts.EndHeld, [keys.Nodes], [callId, keys.Prefix]), () => RedisResult.Create(0)).ConfigureAwait(false);

    public async ValueTask<ResumeState?> RequestHandoverAsync(SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (owner.NodeId == nodeId)
        {
            return await handler().OnHandoverRequestedAsync(peer, resumeSessionId).ConfigureAwait(false);
        }

        // Take the route first (atomic in Redis with every routed publish), then ask the owner on its node channel:
        // it handles the request after every envelope routed to it before, and all later ones come here.
        mirror.Subscriptions[peer.Value] = LocalMirror.ThroughChannel;
        (bool answered, ResumeState? state) = await redis.RedisOr<(bool Answered, ResumeState? State)>(
            async db =>
            {
                await db.StringSetAsync(keys.Route(peer.Value), nodeId).ConfigureAwait(false);
                return await handover.RequestAsync(redis.Mux!.GetSubscriber(), owner, peer, resumeSessionId, cancellationToken).ConfigureAwait(false);
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
        RedisResult[] rooms = await redis.RedisOr<RedisResult[]>(
            async db => (RedisResult[])(await db.ScriptEvaluateAsync(
                RedisLivenessScripts.ForgetPeer,
                [keys.Owner(peer.Value), keys.PeerRooms(peer.Value)],
                [owner.NodeId, owner.SessionId, peer.Value, keys.Prefix]).ConfigureAwait(false))!,
            () => []).ConfigureAwait(false);
        if (rooms.Length > 0)
        {
            RedisBackplaneLog.SessionForgotten(logger, owner.NodeId, answered, rooms.Length);
            await handler().OnMembershipsLostAsync([.. rooms.Select(r => new LostMembership(new RoomId(r.ToString()!), peer))]).ConfigureAwait(false);
        }
    }
}
