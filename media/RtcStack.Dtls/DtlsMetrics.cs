using System.Diagnostics.Metrics;

namespace RtcStack.Dtls;

/// <summary>Counters of meter "RtcStack.Dtls".</summary>
internal static class DtlsMetrics
{
    public static readonly Meter Meter = new("RtcStack.Dtls");

    /// <summary>Finished handshakes, tagged result.</summary>
    public static readonly Counter<long> Handshakes = Meter.CreateCounter<long>("handshakes");

    /// <summary>Datagrams dropped, tagged reason (malformed, queue_full, not_connected, rejected).</summary>
    public static readonly Counter<long> Dropped = Meter.CreateCounter<long>("datagrams.dropped");

    /// <summary>Application data not sent, tagged reason (not_connected, too_large, error).</summary>
    public static readonly Counter<long> SendFailures = Meter.CreateCounter<long>("send_failures");

    public static void SendFailure(string reason) => SendFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void Drop(string reason) => Dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
