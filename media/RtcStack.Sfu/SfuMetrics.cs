using System.Diagnostics.Metrics;
using RtcStack.Srtp;

namespace RtcStack.Sfu;

/// <summary>Counters of meter "RtcStack.Sfu".</summary>
internal static class SfuMetrics
{
    public static readonly Meter Meter = new("RtcStack.Sfu");

    /// <summary>RTP/RTCP packets received and decrypted.</summary>
    public static readonly Counter<long> Received = Meter.CreateCounter<long>("packets.received");

    /// <summary>RTP/RTCP packets protected and sent.</summary>
    public static readonly Counter<long> Sent = Meter.CreateCounter<long>("packets.sent");

    /// <summary>Packets dropped, tagged reason (no_keys, Replayed, AuthFailed, Malformed, closed, unknown_ssrc…).</summary>
    public static readonly Counter<long> Dropped = Meter.CreateCounter<long>("packets.dropped");

    /// <summary>SRTP/SRTCP datagrams kept because they arrived before the keys were installed (processed once they are).</summary>
    public static readonly Counter<long> EarlyQueued = Meter.CreateCounter<long>("packets.early");

    /// <summary>The drop reason of a failed unprotect: the result's name, a constant (no allocation per packet).</summary>
    public static string UnprotectFailure(SrtpResult result) => result switch
    {
        SrtpResult.Malformed => "Malformed",
        SrtpResult.AuthFailed => "AuthFailed",
        SrtpResult.Replayed => "Replayed",
        SrtpResult.BufferTooSmall => "BufferTooSmall",
        SrtpResult.TooManyStreams => "TooManyStreams",
        SrtpResult.Disposed => "closed",
        _ => "unprotect_failed",
    };

    /// <summary>The drop reason of a failed protect ("protect_" and the result's name), a constant.</summary>
    public static string ProtectFailure(SrtpResult result) => result switch
    {
        SrtpResult.Malformed => "protect_Malformed",
        SrtpResult.BufferTooSmall => "protect_BufferTooSmall",
        SrtpResult.TooManyStreams => "protect_TooManyStreams",
        SrtpResult.Disposed => "protect_Disposed",
        _ => "protect_failed",
    };

    public static void Drop(string reason) => Dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void Drop(string reason, long count) => Dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));
}
