using System.Net;
using Microsoft.Extensions.Logging;
using RtcStack.Stun;

namespace RtcStack.Turn.Diagnostics;

/// <summary>Lifecycle logs of the TURN server (stable event IDs 3000-3099). Never per packet, never secrets.</summary>
internal static partial class TurnLog
{
    [LoggerMessage(3000, LogLevel.Information, "TURN {Protocol} listener on {EndPoint}")]
    internal static partial void ListenerStarted(ILogger logger, TransportProtocol protocol, IPEndPoint endPoint);

    [LoggerMessage(3001, LogLevel.Information, "TURN server started, realm {Realm}, relay ports {MinPort}-{MaxPort}")]
    internal static partial void ServerStarted(ILogger logger, string realm, int minPort, int maxPort);

    [LoggerMessage(3002, LogLevel.Information, "TURN server stopped")]
    internal static partial void ServerStopped(ILogger logger);

    [LoggerMessage(3010, LogLevel.Information, "Allocation created for {User} on {FiveTuple}: relayed {Relayed}, lifetime {Lifetime} s")]
    internal static partial void AllocationCreated(ILogger logger, string user, FiveTuple fiveTuple, TransportAddress relayed, int lifetime);

    [LoggerMessage(3011, LogLevel.Information, "Allocation {Relayed} of {User} closed: {Reason}")]
    internal static partial void AllocationClosed(ILogger logger, TransportAddress relayed, string user, string reason);

    [LoggerMessage(3012, LogLevel.Warning, "Allocation refused for {User}: {Reason}")]
    internal static partial void AllocationRefused(ILogger logger, string user, string reason);

    [LoggerMessage(3020, LogLevel.Debug, "Authentication failed from {Source}: {Reason}")]
    internal static partial void AuthFailed(ILogger logger, TransportAddress source, string reason);

    [LoggerMessage(3021, LogLevel.Debug, "Peer {Peer} refused by policy: {Decision}")]
    internal static partial void PeerDenied(ILogger logger, string peer, string decision);

    [LoggerMessage(3030, LogLevel.Information, "TLS certificate loaded from {File}")]
    internal static partial void CertificateLoaded(ILogger logger, string file);

    [LoggerMessage(3031, LogLevel.Warning, "TLS certificate reload from {File} failed; keeping the previous one")]
    internal static partial void CertificateReloadFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(3040, LogLevel.Error, "TURN receive loop on {EndPoint} failed")]
    internal static partial void ReceiveLoopFailed(ILogger logger, Exception exception, string endPoint);

    [LoggerMessage(3043, LogLevel.Warning, "TURN listener {EndPoint} cannot accept ({Error}, {Failures} times): out of file descriptors or memory; new connections wait in the backlog")]
    internal static partial void AcceptExhausted(ILogger logger, string endPoint, string error, long failures);

    [LoggerMessage(3044, LogLevel.Warning, "TURN: {Limit} TCP/TLS connections open, the limit (max-stream-connections); new connections wait in the backlog ({Times} times since the last warning)")]
    internal static partial void StreamConnectionsAtLimit(ILogger logger, int limit, long times);

    [LoggerMessage(3041, LogLevel.Debug, "TURN connection from {Remote} closed: {Reason}")]
    internal static partial void ConnectionClosed(ILogger logger, string remote, string reason);

    [LoggerMessage(3042, LogLevel.Debug, "TLS handshake from {Remote} failed: {ExceptionType}")]
    internal static partial void HandshakeFailed(ILogger logger, Exception exception, string remote, string exceptionType);

    [LoggerMessage(3050, LogLevel.Information, "TCP peer connection {ConnectionId} {Peer} -> allocation {Relayed} opened ({How})")]
    internal static partial void TcpConnectionOpened(ILogger logger, uint connectionId, TransportAddress peer, TransportAddress relayed, string how);

    [LoggerMessage(3051, LogLevel.Information, "TCP peer connection {ConnectionId} {Peer} closed: {Reason}")]
    internal static partial void TcpConnectionClosed(ILogger logger, uint connectionId, TransportAddress peer, string reason);

    [LoggerMessage(3052, LogLevel.Debug, "TCP peer connection from {Peer} to {Relayed} refused: {Reason}")]
    internal static partial void TcpConnectionRefused(ILogger logger, TransportAddress peer, TransportAddress relayed, string reason);
}
