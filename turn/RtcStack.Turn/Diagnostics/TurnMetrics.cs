using System.Diagnostics.Metrics;

namespace RtcStack.Turn.Diagnostics;

/// <summary>
/// The meter <c>RtcStack.Turn</c>. Per-packet figures are plain fields bumped with Interlocked and published
/// through observable instruments, so the relay hot path costs one atomic add and allocates nothing
/// whether or not a listener is attached; control-plane events are ordinary counters.
/// </summary>
internal sealed class TurnMetrics : IDisposable
{
    /// <summary>Meter name, as exported on /metrics.</summary>
    public const string MeterName = "RtcStack.Turn";

    private readonly Meter _meter;
    private readonly Counter<long> _allocationsCreated;
    private readonly Counter<long> _authFailures;
    private long _packetsToPeer, _packetsToClient, _bytesToPeer, _bytesToClient;
    private long _malformed, _deniedPeer, _overCap, _clientBacklog;
    private long _tcpActive, _tcpBytesToPeer, _tcpBytesToClient, _icmpReported;
    private readonly Counter<long> _tcpOpened;
    private readonly Counter<long> _tcpFailed;

    internal TurnMetrics(IMeterFactory? factory, Func<(int Allocations, int Permissions, int Channels)> gauges)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _allocationsCreated = _meter.CreateCounter<long>("allocations.created", "{allocation}", "Allocations created");
        _authFailures = _meter.CreateCounter<long>("auth.failures", "{request}", "Requests refused by authentication (401/438/441), by reason");
        _meter.CreateObservableUpDownCounter("allocations.active", () => gauges().Allocations, "{allocation}", "Allocations alive now");
        _meter.CreateObservableUpDownCounter("permissions.active", () => gauges().Permissions, "{permission}", "Permissions alive now");
        _meter.CreateObservableUpDownCounter("channels.active", () => gauges().Channels, "{channel}", "Channel bindings alive now (including cooldown)");
        _meter.CreateObservableCounter("relayed.packets", () => Directional(ref _packetsToPeer, ref _packetsToClient), "{packet}", "Packets relayed, by direction");
        _meter.CreateObservableCounter("relayed.bytes", () => Directional(ref _bytesToPeer, ref _bytesToClient), "By", "Application bytes relayed, by direction");
        _meter.CreateObservableCounter("malformed.dropped", () => Volatile.Read(ref _malformed), "{packet}", "Malformed datagrams or frames dropped");
        _tcpOpened = _meter.CreateCounter<long>("tcp.connections.opened", "{connection}", "RFC 6062 peer data connections opened, by how (connect, accept)");
        _tcpFailed = _meter.CreateCounter<long>("tcp.connections.refused", "{connection}", "RFC 6062 peer connections that failed or were refused, by reason");
        _meter.CreateObservableUpDownCounter("tcp.connections.active", () => Volatile.Read(ref _tcpActive), "{connection}", "RFC 6062 peer data connections open now (pending or bound)");
        _meter.CreateObservableCounter("tcp.relayed.bytes", () => Directional(ref _tcpBytesToPeer, ref _tcpBytesToClient), "By", "Bytes relayed over RFC 6062 data connections, by direction");
        _meter.CreateObservableCounter("icmp.reported", () => Volatile.Read(ref _icmpReported), "{indication}", "ICMP errors reported to clients in Data indications (ReportIcmp)");
        _meter.CreateObservableCounter("relay.dropped", () => new[]
        {
            new Measurement<long>(Volatile.Read(ref _deniedPeer), new KeyValuePair<string, object?>("reason", "no_permission")),
            new Measurement<long>(Volatile.Read(ref _overCap), new KeyValuePair<string, object?>("reason", "bandwidth_cap")),
            new Measurement<long>(Volatile.Read(ref _clientBacklog), new KeyValuePair<string, object?>("reason", "client_backlog")),
        }, "{packet}", "Packets not relayed, by reason");
    }

    internal long PacketsToPeer => Volatile.Read(ref _packetsToPeer);

    internal long PacketsToClient => Volatile.Read(ref _packetsToClient);

    internal long MalformedDropped => Volatile.Read(ref _malformed);

    internal void RelayedToPeer(int bytes)
    {
        Interlocked.Increment(ref _packetsToPeer);
        Interlocked.Add(ref _bytesToPeer, bytes);
    }

    internal void RelayedToClient(int bytes)
    {
        Interlocked.Increment(ref _packetsToClient);
        Interlocked.Add(ref _bytesToClient, bytes);
    }

    internal void Malformed() => Interlocked.Increment(ref _malformed);

    internal void NoPermission() => Interlocked.Increment(ref _deniedPeer);

    internal void OverCap() => Interlocked.Increment(ref _overCap);

    /// <summary>Writes (whole frames) dropped because a TCP/TLS client's send queue was full.</summary>
    internal long ClientBacklogDropped => Volatile.Read(ref _clientBacklog);

    internal void ClientBacklog() => Interlocked.Increment(ref _clientBacklog);

    internal long TcpActive => Volatile.Read(ref _tcpActive);

    internal long TcpBytesToPeer => Volatile.Read(ref _tcpBytesToPeer);

    internal long TcpBytesToClient => Volatile.Read(ref _tcpBytesToClient);

    /// <summary>A peer data connection opened: <paramref name="how"/> is "connect" or "accept".</summary>
    internal void TcpOpened(string how)
    {
        Interlocked.Increment(ref _tcpActive);
        _tcpOpened.Add(1, new KeyValuePair<string, object?>("how", how));
    }

    internal void TcpClosed() => Interlocked.Decrement(ref _tcpActive);

    internal void TcpRefused(string reason) => _tcpFailed.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void TcpRelayed(int bytes, bool toPeer) => Interlocked.Add(ref toPeer ? ref _tcpBytesToPeer : ref _tcpBytesToClient, bytes);

    internal void IcmpReported() => Interlocked.Increment(ref _icmpReported);

    internal void AllocationCreated() => _allocationsCreated.Add(1);

    internal void AuthFailure(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();

    private static Measurement<long>[] Directional(ref long toPeer, ref long toClient) =>
    [
        new(Volatile.Read(ref toPeer), new KeyValuePair<string, object?>("direction", "to_peer")),
        new(Volatile.Read(ref toClient), new KeyValuePair<string, object?>("direction", "to_client")),
    ];
}
