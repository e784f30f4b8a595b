using Microsoft.Extensions.Logging;

namespace RtcStack.Net;

/// <summary>Log messages of RtcStack.Net (event IDs 3100-3199). Lifecycle only; never per packet.</summary>
internal static partial class NetLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "UDP endpoint listening on {Local}")]
    public static partial void UdpStarted(ILogger logger, string local);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "UDP endpoint {Local} stopped")]
    public static partial void UdpStopped(ILogger logger, string local);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "UDP receive on {Local} failed with {Error}; the loop continues")]
    public static partial void UdpReceiveError(ILogger logger, string local, System.Net.Sockets.SocketError error);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Handler failed on {Local}; the packet was dropped")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string local);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "{Transport} listener on {Local} started")]
    public static partial void StreamListenerStarted(ILogger logger, string transport, string local);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Information, Message = "{Transport} listener on {Local} stopped")]
    public static partial void StreamListenerStopped(ILogger logger, string transport, string local);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Debug, Message = "{Transport} connection from {Remote} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, string transport, string remote, string reason);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "Accept on {Local} failed with {Error}")]
    public static partial void AcceptFailed(ILogger logger, string local, System.Net.Sockets.SocketError error);
}
