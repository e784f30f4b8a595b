using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RtcStack.Signaling.Backplane.Redis;

/// <summary>
/// Session handover between nodes over pub/sub: a request goes to the owner's node channel (so the owner handles
/// it after every delivery routed to it before the requester took the route), the owner's handler answers on the
/// requester's <c>reply:</c> channel, matched by request id.
/// </summary>
internal sealed class RedisHandoverBroker(RedisKeys keys, string nodeId, TimeSpan timeout, ILogger logger)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ResumeState?>> _pending = new(StringComparer.Ordinal);

    /// <summary>Asks the owner; <c>Answered</c> is false when no node took the request or it timed out.</summary>
    public async Task<(bool Answered, ResumeState? State)> RequestAsync(ISubscriber subscriber, SessionOwner owner, PeerId peer, string? resumeSessionId, CancellationToken cancellationToken)
    {
        var request = new RedisHandoverRequest
        {
            RequestId = Guid.NewGuid().ToString("N"),
            ReplyTo = nodeId,
            Peer = peer.Value,
            ResumeSessionId = resumeSessionId,
        };
        var answer = new TaskCompletionSource<ResumeState?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.RequestId] = answer;
        try
        {
            long receivers = await subscriber.PublishAsync(keys.NodeChannel(owner.NodeId), NodeChannelMessage.EncodeHandover(request)).ConfigureAwait(false);
            if (receivers == 0)
            {
                return (false, null);
            }

            return (true, await answer.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false));
        }
        catch (TimeoutException)
        {
            return (false, null);
        }
        finally
        {
            _pending.TryRemove(request.RequestId, out _);
        }
    }

    /// <summary>Runs on this node's <c>reply:</c> channel.</summary>
    public void OnReply(RedisValue value)
    {
        try
        {
            var reply = JsonSerializer.Deserialize((byte[])value!, RedisBackplaneJsonContext.Default.RedisHandoverReply);
            if (reply is not null && _pending.TryRemove(reply.RequestId, out var answer))
            {
                answer.TrySetResult(reply.State);
            }
        }
        catch (JsonException ex)
        {
            RedisBackplaneLog.BadMessage(logger, ex, "reply");
        }
    }

    /// <summary>Runs on this node's channel, in order with deliveries: asks the handler, then answers the requester.</summary>
    public async Task OnRequestAsync(ISubscriber subscriber, IBackplaneHandler handler, RedisHandoverRequest request)
    {
        if (request.Peer.Length == 0 || request.ReplyTo.Length == 0)
        {
            return;
        }

        ResumeState? state = await handler.OnHandoverRequestedAsync(new PeerId(request.Peer), request.ResumeSessionId).ConfigureAwait(false);
        var reply = new RedisHandoverReply { RequestId = request.RequestId, State = state };
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(reply, RedisBackplaneJsonContext.Default.RedisHandoverReply);
        await subscriber.PublishAsync(keys.ReplyChannel(request.ReplyTo), payload).ConfigureAwait(false);
    }
}
