namespace RtcStack.Server.Hosting;

/// <summary>Server log events (stable ids 1000-1099).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1000, LogLevel.Warning, "DEV MODE IS ON: anyone can mint tokens at GET /api/dev-token and unset secrets were generated at random. Never run --dev in production.")]
    public static partial void DevModeOn(ILogger logger);

    [LoggerMessage(1001, LogLevel.Information, "Signaling node {NodeId} started")]
    public static partial void Started(ILogger logger, string nodeId);

    [LoggerMessage(1002, LogLevel.Information, "Shutting down: sending going-away to {Count} connections")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(1003, LogLevel.Warning, "WebSocket refused: origin {Origin} is not allowed")]
    public static partial void OriginRefused(ILogger logger, string origin);

    [LoggerMessage(1004, LogLevel.Warning, "Token request refused: bad API key from {RemoteAddress}")]
    public static partial void BadApiKey(ILogger logger, string? remoteAddress);

    [LoggerMessage(1024, LogLevel.Warning, "Server:SignalingEngine=epoll needs Linux x86-64; /ws is served by Kestrel on this platform")]
    public static partial void EpollUnsupported(ILogger logger);

    [LoggerMessage(1005, LogLevel.Information, "Token minted for {PeerId} (expires {ExpiresAt})")]
    public static partial void TokenMinted(ILogger logger, string peerId, long expiresAt);
}
