using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>Path heartbeats (RFC 9260 §8.3): probe every HB.interval + RTO, answer the peer's, count misses (§8.1).</summary>
internal sealed class HeartbeatMonitor(AssociationCore core)
{
    private bool _outstanding;

    public long? DueAt { get; private set; }

    public void Start() => DueAt = core.NowMs + (long)core.Options.HeartbeatInterval.TotalMilliseconds;

    public void Stop() => DueAt = null;

    /// <summary>Echo the Heartbeat Info unchanged in a HEARTBEAT ACK.</summary>
    public void OnHeartbeat(ReadOnlySpan<byte> value)
    {
        if (core.PeerTag != 0 && core.State != SctpAssociationState.Closed && value.Length <= core.Output.MaxChunkValue)
        {
            value.CopyTo(core.Output.Add(core.PeerTag, SctpChunkType.HeartbeatAck, 0, value.Length));
        }
    }

    public void OnHeartbeatAck(ReadOnlySpan<byte> value)
    {
        if (_outstanding && Heartbeat.TryReadSentTime(value, out long sentMs) && sentMs <= core.NowMs)
        {
            _outstanding = false;
            core.ResetErrors();
            core.Rto.Measure(core.NowMs - sentMs);
        }
    }

    /// <summary>Returns false when the association was aborted for too many unanswered probes.</summary>
    public bool OnTimer()
    {
        if (DueAt is not long due || core.NowMs < due || core.State == SctpAssociationState.Closed)
        {
            return true;
        }

        if (_outstanding && !core.CountError())
        {
            return false;
        }

        Heartbeat.Write(core.Output.Add(core.PeerTag, SctpChunkType.Heartbeat, 0, Heartbeat.ValueLength), core.NowMs);
        _outstanding = true;
        DueAt = core.NowMs + (long)core.Options.HeartbeatInterval.TotalMilliseconds + (long)core.Rto.RtoMs;
        return true;
    }
}
