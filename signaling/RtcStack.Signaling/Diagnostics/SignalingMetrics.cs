using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace RtcStack.Signaling.Diagnostics;

/// <summary>
/// Meter <c>RtcStack.Signaling</c> (exported at <c>/metrics</c> as <c>rtcstack_signaling_*</c>): gauges of
/// sessions, open connections and rooms with local members; counters of relayed messages, received frames,
/// accepted connections and errors by <c>code</c>. One meter per process (hubs in one process add up). Every
/// instrument is observable (read when the exporter scrapes), so no measurement is lost to an exporter
/// that attaches late.
/// </summary>
internal sealed class SignalingMetrics : IDisposable
{
    public const string MeterName = "RtcStack.Signaling";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly ConcurrentDictionary<SignalingMetrics, byte> s_live = new();
    private static readonly ConcurrentDictionary<string, long> s_errors = new(StringComparer.Ordinal);
    private static long s_relayed;
    private static long s_frames;
    private static long s_connections;

    private readonly Func<int> _sessions;
    private readonly Func<int> _connectionsOpen;
    private readonly Func<int> _rooms;

    static SignalingMetrics()
    {
        s_meter.CreateObservableGauge("sessions", () => s_live.Keys.Sum(m => m._sessions()), description: "Sessions held by this node (attached or waiting for resume).");
        s_meter.CreateObservableGauge("connections.open", () => s_live.Keys.Sum(m => m._connectionsOpen()), description: "Open signaling sockets.");
        s_meter.CreateObservableGauge("rooms", () => s_live.Keys.Sum(m => m._rooms()), description: "Rooms with at least one member on this node.");
        s_meter.CreateObservableCounter("messages.relayed", () => Interlocked.Read(ref s_relayed), description: "Messages relayed to a peer (one per recipient).");
        s_meter.CreateObservableCounter("frames.received", () => Interlocked.Read(ref s_frames), description: "Frames received from clients.");
        s_meter.CreateObservableCounter("connections.accepted", () => Interlocked.Read(ref s_connections), description: "Sockets accepted.");
        s_meter.CreateObservableCounter("errors", () => s_errors.Select(e => new Measurement<long>(e.Value, new KeyValuePair<string, object?>("code", e.Key))), description: "Errors sent to clients, by code.");
    }

    public SignalingMetrics(Func<int> sessions, Func<int> connections, Func<int> rooms)
    {
        _sessions = sessions;
        _connectionsOpen = connections;
        _rooms = rooms;
        s_live[this] = 0;
    }

    /// <summary>The errors counted so far in this process, by code (for tests and diagnostics).</summary>
    public static long ErrorCount(string code) => s_errors.GetValueOrDefault(code);

    public void Relayed(int recipients = 1) => Interlocked.Add(ref s_relayed, recipients);

    public void Error(string code) => s_errors.AddOrUpdate(code, 1, (_, n) => n + 1);

    public void FrameReceived() => Interlocked.Increment(ref s_frames);

    public void ConnectionAccepted() => Interlocked.Increment(ref s_connections);

    public void Dispose() => s_live.TryRemove(this, out _);
}
