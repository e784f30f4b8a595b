namespace RtcStack.Signaling.Protocol;

/// <summary><c>welcome.limits</c>: the limits this server enforces on the session.</summary>
public sealed class LimitsInfo
{
    public int MaxFrameBytes { get; set; }
    public double MessagesPerSecond { get; set; }
    public int Burst { get; set; }
    public int MaxRoomsPerSession { get; set; }
    public int RoomCapacity { get; set; }
}
