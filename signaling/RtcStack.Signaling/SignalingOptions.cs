namespace RtcStack.Signaling;

/// <summary>
/// Signaling settings, bound from the <c>Signaling</c> configuration section (docs/configuration.md).
/// Defaults are safe; <see cref="TokenSecret"/> has none and must be set (the server's dev mode generates one).
/// </summary>
public sealed class SignalingOptions
{
    public const string SectionName = "Signaling";

    /// <summary>HS256 secret for tokens, at least 32 characters. No default.</summary>
    public string? TokenSecret { get; set; }

    /// <summary>API key that guards <c>POST /api/tokens</c>; the endpoint is disabled when unset.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Most members in one room. Default 50.</summary>
    public int RoomCapacity { get; set; } = 50;

    /// <summary>Most rooms one session may be in. Default 16.</summary>
    public int MaxRoomsPerSession { get; set; } = 16;

    /// <summary>Largest accepted frame in bytes. Default 65536.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Token-bucket refill rate per connection. Default 50 messages/s.</summary>
    public double MessagesPerSecond { get; set; } = 50;

    /// <summary>Token-bucket size per connection. Default 100.</summary>
    public int Burst { get; set; } = 100;

    /// <summary>Messages dropped in a row for rate limiting before the socket is closed with 4029. Default 200.</summary>
    public int RateLimitCloseAfter { get; set; } = 200;

    /// <summary>Most simultaneous sockets from one IP address. Default 100.</summary>
    public int MaxConnectionsPerIp { get; set; } = 100;

    /// <summary>Frames queued for one socket before it is closed as a slow consumer (4005). Default 1024.</summary>
    public int SendQueueMessages { get; set; } = 1024;

    /// <summary>How long a dropped session waits for resume. Default 30000 ms.</summary>
    public int ResumeWindowMs { get; set; } = 30_000;

    /// <summary>Frames kept per session for resume. Default 1000.</summary>
    public int ResumeBufferMessages { get; set; } = 1000;

    /// <summary>Bytes of frames kept per session for resume (the oldest are evicted beyond it). Default 1048576.</summary>
    public int ResumeBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>How often clients should ping. Default 15000 ms.</summary>
    public int HeartbeatIntervalMs { get; set; } = 15_000;

    /// <summary>Silence after which the server closes a socket (4004). Default 45000 ms.</summary>
    public int HeartbeatTimeoutMs { get; set; } = 45_000;

    /// <summary>Time a new socket has to send <c>hello</c> (else 4003). Default 10000 ms.</summary>
    public int HelloTimeoutMs { get; set; } = 10_000;

    /// <summary>How long an invitation rings before <c>invite-timeout</c>. Default 30000 ms.</summary>
    public int RingTimeoutMs { get; set; } = 30_000;

    /// <summary>URL called (POST, signed JSON) when an invitation targets an offline peer. Off when unset.</summary>
    public string? InviteWebhook { get; set; }

    /// <summary>HMAC-SHA256 key for the webhook's <c>X-RtcStack-Signature</c> header. Defaults to <see cref="TokenSecret"/>.</summary>
    public string? InviteWebhookSecret { get; set; }

    /// <summary>Allowed <c>Origin</c> values (<c>*</c> allowed as port wildcard, e.g. <c>http://localhost:*</c>). Empty: same host, localhost and 127.0.0.1.</summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Redis connection string for the scale-out backplane; in-memory when unset.</summary>
    public string? Redis { get; set; }

    /// <summary>STUN URLs given in <c>welcome.iceServers</c>.</summary>
    public IList<string> StunUrls { get; } = [];

    /// <summary>TURN URLs given in <c>welcome.iceServers</c> with REST API credentials.</summary>
    public IList<string> TurnUrls { get; } = [];

    /// <summary>Lifetime of the TURN credentials in <c>welcome</c>. Default 3600 s.</summary>
    public int TurnCredentialTtlSeconds { get; set; } = 3600;

    /// <summary>The TURN REST shared secret; the server fills it from <c>Turn:StaticAuthSecret</c>.</summary>
    public string? TurnSecret { get; set; }

    /// <summary>The <c>reconnectInMs</c> hint sent in <c>going-away</c> (jittered up to twice this). Default 1000 ms.</summary>
    public int GoingAwayReconnectMs { get; set; } = 1000;

    /// <summary>How long shutdown waits for sockets to close after <c>going-away</c>. Default 5000 ms.</summary>
    public int ShutdownDrainMs { get; set; } = 5000;
}
