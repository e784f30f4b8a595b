using Microsoft.Extensions.Logging;

namespace RtcStack.Sctp;

/// <summary>Lifecycle log messages of the SCTP library (stable event ids 5300–5319).</summary>
internal static partial class SctpLog
{
    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "SCTP association established (streams out {OutboundStreams}, in {InboundStreams})")]
    public static partial void Established(this ILogger logger, int outboundStreams, int inboundStreams);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "SCTP association closed: {Reason}")]
    public static partial void Closed(this ILogger logger, string reason);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "SCTP association aborted by peer (cause {Cause})")]
    public static partial void AbortedByPeer(this ILogger logger, int cause);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Debug, Message = "SCTP ERROR chunk received (cause {Cause})")]
    public static partial void ErrorChunk(this ILogger logger, int cause);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Information, Message = "Data channel {StreamId} '{Label}' opened by peer")]
    public static partial void ChannelAccepted(this ILogger logger, int streamId, string label);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Warning, Message = "SCTP send to transport failed")]
    public static partial void SendFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5307, Level = LogLevel.Error, Message = "SCTP association failed internally and was aborted")]
    public static partial void InternalError(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5306, Level = LogLevel.Error, Message = "Data channel event handler threw")]
    public static partial void HandlerFailed(this ILogger logger, Exception exception);
}
