using System.Globalization;

namespace RtcStack.Media.EchoLoad;

/// <summary>The figures of one step.</summary>
internal sealed record StepResult
{
    public const string Header =
        "| N | connected | offered pkt/s | echoed pkt/s | loss % | server CPU (cores) | server CPU s / 100k echoed | peers' CPU (cores) | load avg before → after |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |";

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
    public double ServerCpuSeconds { get; init; }
    public double PeerCpuSeconds { get; init; }
    public required string LoadBefore { get; init; }
    public required string LoadAfter { get; init; }

    public double LossPercent => TotalSent == 0 ? 100 : 100.0 * (TotalSent - TotalReceived) / TotalSent;

    public double ServerCores => ServerCpuSeconds / MeasureSeconds;

    public double ServerCpuPer100k => EchoedInWindow == 0 ? double.NaN : ServerCpuSeconds * 100_000 / EchoedInWindow;

    /// <summary>One core saturated: the server used 90 % of a core, or more than 1 % of the packets were lost, or peers failed to connect.</summary>
    public bool Saturated => ServerCores >= 0.9 || LossPercent > 1 || Connected < Peers;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"N={Peers}: {Connected} connected in {ConnectSeconds:F1} s; window {MeasureSeconds:F1} s: sent {SentPerSecond:F0}/s, echoed {EchoedPerSecond:F0}/s; " +
        $"whole run sent {TotalSent}, echoed {TotalReceived} (bad {Bad}), loss {LossPercent:F2} %; server CPU {ServerCpuSeconds:F2} s " +
        $"({ServerCores:F2} cores, {ServerCpuPer100k:F2} s/100k), peers CPU {PeerCpuSeconds:F2} s; load {LoadBefore} -> {LoadAfter}");

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Peers} | {Connected} | {SentPerSecond:F0} | {EchoedPerSecond:F0} | {LossPercent:F2} | {ServerCores:F2} | {ServerCpuPer100k:F2} | {PeerCpuSeconds / MeasureSeconds:F2} | {LoadBefore} → {LoadAfter} |");
}
