using System.Diagnostics.Metrics;

namespace RtcStack.Srtp;

/// <summary>Counters under the meter "RtcStack.Srtp". Adding to a counter with no listener costs nearly nothing.</summary>
internal static class SrtpMetrics
{
    private static readonly Meter Meter = new("RtcStack.Srtp");

    public static readonly Counter<long> Protected = Meter.CreateCounter<long>("protected", "{packet}", "SRTP and SRTCP packets protected.");

    public static readonly Counter<long> Unprotected = Meter.CreateCounter<long>("unprotected", "{packet}", "SRTP and SRTCP packets authenticated and decrypted.");

    public static readonly Counter<long> AuthFailed = Meter.CreateCounter<long>("auth_failed", "{packet}", "Packets dropped because the tag did not verify.");

    public static readonly Counter<long> Replayed = Meter.CreateCounter<long>("replayed", "{packet}", "Packets dropped as replays or too old.");

    public static readonly Counter<long> Malformed = Meter.CreateCounter<long>("malformed", "{packet}", "Packets dropped as malformed.");
}
