using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// This node's two pub/sub channels: <c>node:{node}</c> (deliveries, handover requests and lost peers, one message at
/// a time in publish order, see <see cref="NodeChannelMessage"/>) and <c>reply:{node}</c> (handover answers).
/// </summary>
internal sealed class RedisNodeChannel(
    RedisKeys keys,
    string nodeId,
    LocalMirror local,
    RemotePresence presence,
    RedisHandoverBroker handover,
    RedisLostPeers lost,
    Func<IBackplaneHandler> handler,
    ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _subscribed;

    /// <summary>Subscribes this node's channels once, then checks that Redis counts them (throws until it does).</summary>
    public async Task SubscribeAsync(ConnectionMultiplexer mux)
    {
        // StartAsync and a ConnectionRestored resync can both get here at once; two subscriptions to the node
        // channel would deliver every envelope twice, so only one caller subscribes.
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_subscribed)
            {
                var subscriber = mux.GetSubscriber();
                (await subscriber.SubscribeAsync(keys.NodeChannel(nodeId)).ConfigureAwait(false)).OnMessage(m => OnNodeMessageAsync(mux, m));
                (await subscriber.SubscribeAsync(keys.ReplyChannel(nodeId)).ConfigureAwait(false)).OnMessage(m => handover.OnReply(m.Message));
                _subscribed = true;
            }

            // After a Redis restart the client library subscribes again on its own, a little later: until Redis
            // counts this node on its channels, envelopes published to it would be lost, so the node is not ready.
            var counts = (RedisResult[])(await mux.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", keys.NodeChannelPrefix + nodeId, (string)keys.ReplyChannel(nodeId)!).ConfigureAwait(false))!;
            if (counts.Length < 4 || (long)counts[1] < 1 || (long)counts[3] < 1)
            {
                throw new TimeoutException("This node's channels are not subscribed yet.");
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task OnPeersLostAsync(byte[] payload)
    {
        if (NodeChannelMessage.TryParseLost(payload, out string? entryId) is { Count: > 0 } sessions)
        {
            if (lost.TakePublished(entryId))
            {
                await handler().OnSessionsLostAsync(sessions).ConfigureAwait(false);
            }
        }
        else
        {
            RedisBackplaneLog.BadMessage(logger, null, "lost");
        }
    }

    /// <summary>This node's channel, one message at a time in publish order: deliveries, handover requests, lost peers.</summary>
    private async Task OnNodeMessageAsync(ConnectionMultiplexer mux, ChannelMessage message)
    {
        try
        {
            byte[] payload = (byte[])message.Message!;
            if (payload.Length > 0 && payload[0] == NodeChannelMessage.Handover)
            {
                if (NodeChannelMessage.TryParseHandover(payload) is { } request)
                {
                    await handover.OnRequestAsync(mux.GetSubscriber(), handler(), request).ConfigureAwait(false);
                }
                else
                {
                    RedisBackplaneLog.BadMessage(logger, null, "handover");
                }

                return;
            }

            if (payload.Length > 1 && payload[0] == NodeChannelMessage.HeldEnded)
            {
                await handler().OnHeldInvitationEndedAsync(System.Text.Encoding.UTF8.GetString(payload, 1, payload.Length - 1)).ConfigureAwait(false);
                return;
            }

            if (payload.Length > 0 && payload[0] == NodeChannelMessage.Lost)
            {
                await OnPeersLostAsync(payload).ConfigureAwait(false);
                return;
            }

            if (!NodeChannelMessage.TryParseDelivery(payload, out List<string> peers, out BackplaneEnvelope envelope))
            {
                RedisBackplaneLog.BadMessage(logger, null, "node");
                return;
            }

            presence.Observe(envelope.Message);
            foreach (string peer in peers)
            {
                if (peer == envelope.ExceptPeer)
                {
                    continue;
                }
                bool taken = local.IsLocal(peer) && await handler().OnEnvelopeAsync(new PeerId(peer), envelope).ConfigureAwait(false);
                if (!taken && envelope.Call is { } call)
                {
                    // Nothing routes it again and its sender let go of it: this node keeps it.
                    await handler().OnHandedCallRefusedAsync(call).ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // A failing handler must not stop this node's delivery queue.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RedisBackplaneLog.DeliveryFailed(logger, ex);
        }
    }

    public void Dispose() => _lock.Dispose();
}
