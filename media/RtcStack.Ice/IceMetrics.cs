using System.Diagnostics.Metrics;

namespace RtcStack.Ice;

/// <summary>Counters of meter "RtcStack.Ice".</summary>
internal static class IceMetrics
{
    public static readonly Meter Meter = new("RtcStack.Ice");

    /// <summary>Datagrams dropped, tagged reason.</summary>
    public static readonly Counter<long> Dropped = Meter.CreateCounter<long>("datagrams.dropped");

    /// <summary>Binding requests answered, tagged result (success, 400, 401).</summary>
    public static readonly Counter<long> BindingRequests = Meter.CreateCounter<long>("binding_requests");

    public static void Drop(string reason) => Dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void Binding(string result) => BindingRequests.Add(1, new KeyValuePair<string, object?>("result", result));
}
