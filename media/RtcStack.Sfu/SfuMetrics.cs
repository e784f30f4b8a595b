using System.Diagnostics.Metrics;

namespace RtcStack.Sfu;

/// <summary>Counters of meter "RtcStack.Sfu".</summary>
internal static class SfuMetrics
{
    public static readonly Meter Meter = new("RtcStack.Sfu");

    /// <summary>RTP/RTCP packets received and decrypted.</summary>
    public static readonly Counter<long> Received = Meter.CreateCounter<long>("packets.received");

    /// <summary>RTP/RTCP packets protected and sent.</summary>
    public static readonly Counter<long> Sent = Meter.CreateCounter<long>("packets.sent");

    /// <summary>Packets dropped, tagged reason (no_keys, Replayed, AuthFailed, Malformed, unknown_ssrc…).</summary>
    public static readonly Counter<long> Dropped = Meter.CreateCounter<long>("packets.dropped");

    public static void Drop(string reason) => Dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
