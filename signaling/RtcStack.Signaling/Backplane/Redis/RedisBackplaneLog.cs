using Microsoft.Extensions.Logging;

namespace RtcStack.Signaling.Backplane.Redis;

internal static partial class RedisBackplaneLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Redis backplane node {NodeId} started (connected {Connected})")]
    public static partial void Started(ILogger logger, string nodeId, bool connected);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Redis connection lost ({FailureType}); serving local rooms only, not ready")]
    public static partial void ConnectionLost(ILogger logger, Exception? exception, string failureType);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Redis connection restored; wrote back {Peers} peers, {Members} memberships, {Owners} sessions")]
    public static partial void Restored(ILogger logger, int peers, int members, int owners);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Redis command failed; using local state")]
    public static partial void CommandFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Dropped a malformed backplane message on {Channel}")]
    public static partial void BadMessage(ILogger logger, Exception? exception, string channel);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Error, Message = "Delivering a backplane message failed")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Warning, Message = "Writing local state back into Redis failed (attempt {Attempt})")]
    public static partial void ResyncFailed(ILogger logger, Exception? exception, int attempt);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Warning, Message = "Node {NodeId} was not registered in Redis (presumed dead while cut off, or Redis lost its data); writing its state back")]
    public static partial void Rejoined(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Warning, Message = "Node {DeadNode} stopped refreshing its liveness key; removed {Memberships} memberships of its sessions, adopted {Invitations} invitations it held")]
    public static partial void NodeSwept(ILogger logger, string deadNode, int memberships, int invitations);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Node {OwnerNode} did not hand a session over (answered {Answered}) and its session still owned the peer; removed it from {Rooms} rooms")]
    public static partial void SessionForgotten(ILogger logger, string ownerNode, bool answered, int rooms);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Back in Redis: repaired presence in {Rooms} rooms ({Returned} memberships written back, {Departed} leaves sent), ended cross-node calls of {Revived} sessions")]
    public static partial void PresenceRepaired(ILogger logger, int rooms, int returned, int departed, int revived);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Warning, Message = "Read {Peers} lost peers from the lost stream that this node had not been told of (it was disconnected when they were published); ending its calls with them")]
    public static partial void LostPeersCaughtUp(ILogger logger, int peers);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Information, Message = "Back in Redis: dropped {Sessions} leftover sessions whose peers resumed on another node meanwhile")]
    public static partial void LeftoversDropped(ILogger logger, int sessions);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Warning, Message = "The lost stream's newest entry is below this node's cursor {Cursor} (the stream was lost and recreated); reading it from the start")]
    public static partial void LostStreamRewound(ILogger logger, string cursor);

    [LoggerMessage(EventId = 2115, Level = LogLevel.Error, Message = "Redis connected but cannot be used (the node reports not ready): {Reason}")]
    public static partial void UnsupportedVersion(ILogger logger, string reason);
}
