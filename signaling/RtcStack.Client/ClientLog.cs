using Microsoft.Extensions.Logging;

namespace RtcStack.Client;

internal static partial class ClientLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected as {Peer} (session {Session}, resumed {Resumed})")]
    public static partial void Connected(ILogger logger, string? peer, string? session, bool resumed);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Connection lost (close {CloseStatus} {CloseDescription}); reconnecting")]
    public static partial void ConnectionLost(ILogger logger, int? closeStatus, string? closeDescription);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Reconnect attempt {Attempt} failed; next in {Delay}")]
    public static partial void ReconnectFailed(ILogger logger, Exception? exception, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Connection closed for good (close {CloseStatus}, code {Code})")]
    public static partial void ClosedForGood(ILogger logger, int? closeStatus, string? code);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Ignored a frame that is not a JSON object")]
    public static partial void BadFrame(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Dropped duplicate {Type} with seq {Seq} (last {LastSeq})")]
    public static partial void DuplicateDropped(ILogger logger, string? type, long seq, long lastSeq);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "An event handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Server error {Code}: {Text}")]
    public static partial void ServerError(ILogger logger, string? code, string? text);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Session could not be resumed; a new session {Session} started")]
    public static partial void SessionRestarted(ILogger logger, string? session);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Server going away; reconnecting in {Delay}")]
    public static partial void GoingAway(ILogger logger, TimeSpan delay);
}
