using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace RtcStack.Net;

/// <summary>
/// The <c>RtcStack.Net</c> meter: observable counters summed over live and closed endpoints, per
/// transport tag, so the hot path only touches its own <see cref="NetCounters"/>.
/// </summary>
internal static class NetMetrics
{
    public const string MeterName = "RtcStack.Net";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<NetCounters, byte> Live = new();
    private static readonly ConcurrentDictionary<string, NetCounters> Retired = new(StringComparer.Ordinal);

#pragma warning disable CA1823 // instruments are kept alive by the meter; the fields document them
    private static readonly ObservableCounter<long> PacketsReceived = Create("packets.received", "{packet}", c => c.PacketsReceived);
    private static readonly ObservableCounter<long> BytesReceived = Create("bytes.received", "By", c => c.BytesReceived);
    private static readonly ObservableCounter<long> PacketsSent = Create("packets.sent", "{packet}", c => c.PacketsSent);
    private static readonly ObservableCounter<long> BytesSent = Create("bytes.sent", "By", c => c.BytesSent);
    private static readonly ObservableCounter<long> Dropped = Create("packets.dropped", "{packet}", c => c.Dropped);
    private static readonly ObservableCounter<long> Malformed = Create("packets.malformed", "{packet}", c => c.Malformed);
    private static readonly ObservableCounter<long> HandlerFailures = Create("handler.failures", "{packet}", c => c.HandlerFailures);
    private static readonly ObservableCounter<long> SocketErrors = Create("socket.errors", "{error}", c => c.ReceiveErrors + c.SendErrors);
    private static readonly ObservableCounter<long> Accepted = Create("connections.accepted", "{connection}", c => c.ConnectionsAccepted);
#pragma warning restore CA1823

    public static NetCounters Register(string transport)
    {
        var counters = new NetCounters(transport);
        Live.TryAdd(counters, 0);
        return counters;
    }

    public static void Retire(NetCounters counters)
    {
        if (Live.TryRemove(counters, out _))
        {
            counters.AddTo(Retired.GetOrAdd(counters.Transport, t => new NetCounters(t)));
        }
    }

    private static ObservableCounter<long> Create(string name, string unit, Func<NetCounters, long> read) =>
        Meter.CreateObservableCounter(name, () => Observe(read), unit);

    private static IEnumerable<Measurement<long>> Observe(Func<NetCounters, long> read)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (NetCounters counters in Live.Keys.Concat(Retired.Values))
        {
            sums[counters.Transport] = sums.GetValueOrDefault(counters.Transport) + read(counters);
        }

        foreach ((string transport, long value) in sums)
        {
            yield return new Measurement<long>(value, new KeyValuePair<string, object?>("transport", transport));
        }
    }
}
