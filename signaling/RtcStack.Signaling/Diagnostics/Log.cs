using Microsoft.Extensions.Logging;

namespace RtcStack.Signaling.Diagnostics;

/// <summary>Signaling log events (stable ids 2000-2099). Never log tokens.</summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Debug, "Connection opened from {RemoteAddress}")]
    public static partial void ConnectionOpened(ILogger logger, string? remoteAddress);

    [LoggerMessage(2001, LogLevel.Debug, "Connection closed with {CloseCode}")]
    public static partial void ConnectionClosed(ILogger logger, int closeCode);

    [LoggerMessage(2002, LogLevel.Information, "Session {SessionId} started for peer {PeerId} (resumed: {Resumed})")]
    public static partial void SessionStarted(ILogger logger, string sessionId, string peerId, bool resumed);

    [LoggerMessage(2003, LogLevel.Information, "Session {SessionId} of peer {PeerId} ended ({Reason})")]
    public static partial void SessionEnded(ILogger logger, string sessionId, string peerId, string reason);

    [LoggerMessage(2004, LogLevel.Debug, "Session {SessionId} detached, waiting {ResumeWindowMs} ms for resume")]
    public static partial void SessionDetached(ILogger logger, string sessionId, int resumeWindowMs);

    [LoggerMessage(2005, LogLevel.Debug, "Error {Code} sent: {Message}")]
    public static partial void ErrorSent(ILogger logger, string code, string message);

    [LoggerMessage(2006, LogLevel.Information, "Room {Room} created")]
    public static partial void RoomCreated(ILogger logger, string room);

    [LoggerMessage(2007, LogLevel.Information, "Room {Room} removed (empty)")]
    public static partial void RoomRemoved(ILogger logger, string room);

    [LoggerMessage(2008, LogLevel.Warning, "Connection refused: {RemoteAddress} has too many connections")]
    public static partial void TooManyConnections(ILogger logger, string? remoteAddress);

    [LoggerMessage(2009, LogLevel.Warning, "Slow consumer disconnected (send queue full)")]
    public static partial void SlowConsumer(ILogger logger);

    [LoggerMessage(2010, LogLevel.Error, "Unexpected error while handling a {Type} message")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string? type);

    [LoggerMessage(2011, LogLevel.Warning, "Backplane call failed")]
    public static partial void BackplaneFailed(ILogger logger, Exception exception);

    [LoggerMessage(2012, LogLevel.Information, "Invite webhook delivered for call {CallId}")]
    public static partial void WebhookDelivered(ILogger logger, string callId);

    [LoggerMessage(2013, LogLevel.Warning, "Invite webhook failed for call {CallId}")]
    public static partial void WebhookFailed(ILogger logger, Exception exception, string callId);

    [LoggerMessage(2014, LogLevel.Information, "Going away: telling {Count} sessions to reconnect")]
    public static partial void GoingAway(ILogger logger, int count);

    [LoggerMessage(2015, LogLevel.Debug, "Socket error: {Message}")]
    public static partial void SocketError(ILogger logger, string message);
}
