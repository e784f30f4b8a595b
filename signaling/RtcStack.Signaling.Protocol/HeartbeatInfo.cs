namespace RtcStack.Signaling.Protocol;

/// <summary><c>welcome.heartbeat</c>: how often the client pings and when the server gives up.</summary>
public sealed class HeartbeatInfo
{
    public int IntervalMs { get; set; }
    public int TimeoutMs { get; set; }
}
