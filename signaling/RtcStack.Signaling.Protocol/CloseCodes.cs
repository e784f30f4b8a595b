namespace RtcStack.Signaling.Protocol;

/// <summary>WebSocket close codes used by the server (RFC 6455 section 7.4 plus the 4xxx application range).</summary>
public static class CloseCodes
{
    public const int Normal = 1000;
    public const int GoingAway = 1001;
    public const int InvalidMessageType = 1003;
    public const int MessageTooBig = 1009;
    public const int InvalidToken = 4001;
    public const int TokenExpired = 4002;
    public const int ProtocolViolation = 4003;
    public const int HeartbeatTimeout = 4004;
    public const int SlowConsumer = 4005;
    public const int Replaced = 4006;
    public const int TooManyConnections = 4008;
    public const int RateLimitAbuse = 4029;
}
