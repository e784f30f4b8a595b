using System.Diagnostics.Metrics;

namespace RtcStack.Signaling.Diagnostics;

/// <summary>
/// Meter <c>RtcStack.Signaling</c>: gauges of sessions, connections and rooms (local to this node), counters of
/// relayed messages, received frames and errors by code (exported at <c>/metrics</c> by the server).
/// </summary>
internal sealed class SignalingMetrics : IDisposable
{
    public const string MeterName = "RtcStack.Signaling";

    private readonly Meter _meter;
    private readonly Counter<long> _relayed;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _frames;
    private readonly Counter<long> _connections;

    public SignalingMetrics(IMeterFactory? factory, Func<int> sessions, Func<int> connections, Func<int> rooms)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge("rtcstack.signaling.sessions", sessions, description: "Sessions held by this node (attached or waiting for resume).");
        _meter.CreateObservableGauge("rtcstack.signaling.connections.open", connections, description: "Open signaling sockets.");
        _meter.CreateObservableGauge("rtcstack.signaling.rooms", rooms, description: "Rooms with at least one member on this node.");
        _relayed = _meter.CreateCounter<long>("rtcstack.signaling.messages.relayed", description: "Messages relayed to a peer (one per recipient).");
        _errors = _meter.CreateCounter<long>("rtcstack.signaling.errors", description: "Errors sent to clients, by code.");
        _frames = _meter.CreateCounter<long>("rtcstack.signaling.frames.received", description: "Frames received from clients.");
        _connections = _meter.CreateCounter<long>("rtcstack.signaling.connections.accepted", description: "Sockets accepted.");
    }

    public void Relayed(int recipients = 1) => _relayed.Add(recipients);

    public void Error(string code) => _errors.Add(1, new KeyValuePair<string, object?>("code", code));

    public void FrameReceived() => _frames.Add(1);

    public void ConnectionAccepted() => _connections.Add(1);

    public void Dispose() => _meter.Dispose();
}
