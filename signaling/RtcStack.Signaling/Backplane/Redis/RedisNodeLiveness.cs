using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// Node liveness: every <see cref="RedisBackplaneOptions.NodeLivenessTtl"/>/3 the node refreshes its <c>alive:</c>
/// key (with that TTL) and registers itself in the <c>nodes</c> set, then looks for registered nodes whose key has
/// expired and sweeps them (<see cref="RedisLivenessScripts.SweepDeadNode"/>, atomic: one survivor per dead node).
/// The memberships a sweep removed go to the handler, which tells the rooms. A node that finds it was no longer
/// registered (swept while cut off from Redis, or Redis lost its data) writes its state back (<c>rejoined</c>). Each
/// tick also reads the lost-peer notices this node missed (<see cref="RedisLostPeers"/>).
/// </summary>
internal sealed class RedisNodeLiveness
{
    private readonly RedisKeys _keys;
    private readonly LocalMirror _local;
    private readonly RedisLostPeers _lost;
    private readonly string _nodeId;
    private readonly TimeSpan _ttl;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private bool _registered;
    private Task _loop = Task.CompletedTask;

    public RedisNodeLiveness(RedisKeys keys, LocalMirror local, RedisLostPeers lost, string nodeId, TimeSpan ttl, ILogger logger)
    {
        _keys = keys;
        _local = local;
        _lost = lost;
        _nodeId = nodeId;
        _ttl = ttl;
        _logger = logger;
    }

    /// <summary>Starts beating and sweeping; <paramref name="rejoined"/> runs when this node found itself unregistered.</summary>
    public void Start(ConnectionMultiplexer mux, IBackplaneHandler handler, Action rejoined) =>
        _loop = Task.Run(() => RunAsync(mux, handler, rejoined));

    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync(ConnectionMultiplexer mux, IBackplaneHandler handler, Action rejoined)
    {
        using var timer = new PeriodicTimer(_ttl / 3);
        do
        {
            if (!mux.IsConnected)
            {
                continue;
            }
            try
            {
                IDatabase db = mux.GetDatabase();
                await BeatAsync(db, rejoined).ConfigureAwait(false);
                await SweepAsync(db, handler).ConfigureAwait(false);
                await _lost.CatchUpAsync(db, handler).ConfigureAwait(false); // notices published while this node was away
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                RedisBackplaneLog.CommandFailed(_logger, ex);
            }
#pragma warning disable CA1031 // A failing handler must not stop the heartbeat (the node would be declared dead).
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                RedisBackplaneLog.DeliveryFailed(_logger, ex);
            }
        }
        while (await WaitAsync(timer).ConfigureAwait(false));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task BeatAsync(IDatabase db, Action rejoined)
    {
        long added = (long)await db.ScriptEvaluateAsync(
            RedisLivenessScripts.Heartbeat,
            [_keys.Alive(_nodeId), _keys.Nodes],
            [_nodeId, (long)_ttl.TotalMilliseconds]).ConfigureAwait(false);
        if (added == 1 && _registered)
        {
            RedisBackplaneLog.Rejoined(_logger, _nodeId);
            rejoined();
        }
        _registered = true;
    }

    /// <summary>
    /// Called once at start, before this node holds any session: sessions that Redis still records for this node id
    /// belong to a previous process with the same <see cref="RedisBackplaneOptions.NodeId"/> (restarted faster than
    /// the TTL, so no survivor swept it). Removes them as a survivor would.
    /// </summary>
    public async Task SweepPreviousLifeAsync(IDatabase db, IBackplaneHandler handler)
    {
        await _lost.StartAsync(db).ConfigureAwait(false);
        await SweepNodeAsync(db, handler, _nodeId, previousLife: true).ConfigureAwait(false);
    }

    /// <summary>Runs the sweep script for every other registered node; the script itself skips the live ones.</summary>
    private async Task SweepAsync(IDatabase db, IBackplaneHandler handler)
    {
        foreach (RedisValue node in await db.SetMembersAsync(_keys.Nodes).ConfigureAwait(false))
        {
            string other = node.ToString();
            if (other != _nodeId)
            {
                await SweepNodeAsync(db, handler, other, previousLife: false).ConfigureAwait(false);
            }
        }
    }

    private async Task SweepNodeAsync(IDatabase db, IBackplaneHandler handler, string node, bool previousLife)
    {
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(
            RedisLivenessScripts.SweepDeadNode,
            [_keys.Nodes, _keys.Alive(node), _keys.NodePeers(node)],
            [node, _keys.Prefix, previousLife ? 1 : 0, _nodeId]).ConfigureAwait(false))!;
        if (result.Length < 2)
        {
            return;
        }
        var removed = (RedisResult[])result[0]!;
        var held = (RedisResult[])result[1]!;
        var lost = new List<LostMembership>(removed.Length / 2);
        for (int i = 0; i + 1 < removed.Length; i += 2)
        {
            lost.Add(new LostMembership(new RoomId(removed[i].ToString()!), new PeerId(removed[i + 1].ToString()!)));
        }
        List<CallState> adopted = AdoptHeld(held);
        if (lost.Count == 0 && adopted.Count == 0 && previousLife)
        {
            // A start with no previous life left behind: nothing to report.
            return;
        }
        RedisBackplaneLog.NodeSwept(_logger, node, lost.Count, adopted.Count);
        if (previousLife)
        {
            await NotifyAsync(handler, lost, adopted).ConfigureAwait(false);
            return;
        }

        // Telling the rooms may take a while for a big node; the heartbeat must not wait for it (this node would
        // look dead in turn). The memberships are already gone from Redis, so nobody else reports them.
        _ = Task.Run(() => NotifyAsync(handler, lost, adopted));
    }

    /// <summary>Parses the invitations the sweep moved to this node and holds them here (written back after an outage).</summary>
    private List<CallState> AdoptHeld(RedisResult[] held)
    {
        var adopted = new List<CallState>(held.Length / 2);
        for (int i = 0; i + 1 < held.Length; i += 2)
        {
            string json = held[i + 1].ToString()!;
            if (ParseCall(json) is { } call)
            {
                _local.Held[call.Id] = json;
                adopted.Add(call);
            }
            else
            {
                RedisBackplaneLog.BadMessage(_logger, null, "held");
            }
        }
        return adopted;
    }

    private static CallState? ParseCall(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RedisBackplaneJsonContext.Default.CallState);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task NotifyAsync(IBackplaneHandler handler, List<LostMembership> lost, List<CallState> adopted)
    {
        try
        {
            if (lost.Count > 0)
            {
                await handler.OnMembershipsLostAsync(lost).ConfigureAwait(false);
            }
            if (adopted.Count > 0)
            {
                await handler.OnInvitationsAdoptedAsync(adopted).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Runs detached: log, never crash the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RedisBackplaneLog.DeliveryFailed(_logger, ex);
        }
    }
}
