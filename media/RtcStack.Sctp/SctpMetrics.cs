using System.Diagnostics.Metrics;

namespace RtcStack.Sctp;

/// <summary>Process-wide SCTP counters on the "RtcStack.Sctp" meter; per-association ones are in <see cref="SctpStatistics"/>.</summary>
internal static class SctpMetrics
{
    private static readonly Meter Meter = new("RtcStack.Sctp");

    public static readonly Counter<long> PacketsDropped = Meter.CreateCounter<long>("packets.dropped", description: "Inbound SCTP packets dropped (checksum, length, port, verification tag)");

    public static readonly Counter<long> OutOfWindowTsns = Meter.CreateCounter<long>("tsn.out_of_window", description: "DATA chunks dropped for a TSN outside the receive window");

    public static readonly Counter<long> Retransmissions = Meter.CreateCounter<long>("retransmissions", description: "DATA chunks retransmitted");

    public static readonly Counter<long> AssociationsEstablished = Meter.CreateCounter<long>("associations.established", description: "Associations that reached ESTABLISHED");
}
