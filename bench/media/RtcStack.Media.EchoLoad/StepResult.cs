using System.Globalization;

namespace RtcStack.Media.EchoLoad;

/// <summary>The figures of one step.</summary>
internal sealed record StepResult
{
    public const string Header =
        "| N | connected | offered pkt/s | echoed pkt/s | loss % in window | loss % whole run | server CPU (cores) | server CPU s / 100k echoed | server run-queue wait (s/s) | peers' CPU (cores) | load avg before → after |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |";

    public int Peers { get; init; }
    public int Connected { get; init; }
    public double ConnectSeconds { get; init; }
    public double MeasureSeconds { get; init; }
    public double SentPerSecond { get; init; }
    public double EchoedPerSecond { get; init; }
    public long EchoedInWindow { get; init; }
    public long TotalSent { get; init; }
    public long TotalReceived { get; init; }
    public long Bad { get; init; }
    public long ServerReceived { get; init; }
    public long ServerSent { get; init; }
    public long ServerDropped { get; init; }
    public long UdpReceiveBufferErrors { get; init; }
    public double ServerCpuSeconds { get; init; }
    public double ServerRunQueueWaitSeconds { get; init; }
    public double PeerCpuSeconds { get; init; }
    public required string LoadBefore { get; init; }
    public required string LoadAfter { get; init; }

    public double LossPercent => TotalSent == 0 ? 100 : 100.0 * (TotalSent - TotalReceived) / TotalSent;

    /// <summary>Loss inside the measured window only (echoed vs sent in it; packets in flight at its edges are a few ms' worth).</summary>
    public double WindowLossPercent => SentPerSecond == 0 ? 100 : Math.Max(0, 100.0 * (SentPerSecond - EchoedPerSecond) / SentPerSecond);

    public double ServerCores => ServerCpuSeconds / MeasureSeconds;

    public double ServerCpuPer100k => EchoedInWindow == 0 ? double.NaN : ServerCpuSeconds * 100_000 / EchoedInWindow;

    /// <summary>Saturated: the server used 90 % of a core, or more than 1 % of the packets in the window were lost, or peers failed to connect.</summary>
    public bool Saturated => ServerCores >= 0.9 || WindowLossPercent > 1 || Connected < Peers;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"N={Peers}: {Connected} connected in {ConnectSeconds:F1} s; window {MeasureSeconds:F1} s: sent {SentPerSecond:F0}/s, echoed {EchoedPerSecond:F0}/s; " +
        $"whole run sent {TotalSent}, echoed {TotalReceived} (bad {Bad}), loss {LossPercent:F2} %; server CPU {ServerCpuSeconds:F2} s " +
        $"({ServerCores:F2} cores, {ServerCpuPer100k:F2} s/100k), peers CPU {PeerCpuSeconds:F2} s; server threads waited {ServerRunQueueWaitSeconds:F2} s for a CPU; server counters (RTP+RTCP, whole run): " +
        $"received {ServerReceived}, sent {ServerSent}, dropped {ServerDropped}; UDP RcvbufErrors (namespace, from window start) +{UdpReceiveBufferErrors}; load {LoadBefore} -> {LoadAfter}");

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Peers} | {Connected} | {SentPerSecond:F0} | {EchoedPerSecond:F0} | {WindowLossPercent:F2} | {LossPercent:F2} | {ServerCores:F2} | {ServerCpuPer100k:F2} | {ServerRunQueueWaitSeconds / MeasureSeconds:F2} | {PeerCpuSeconds / MeasureSeconds:F2} | {LoadBefore} → {LoadAfter} |");
}
