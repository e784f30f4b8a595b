using System.Buffers.Binary;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// Graceful close (RFC 9260 §9.2): SHUTDOWN once all sent data is acknowledged, SHUTDOWN ACK,
/// SHUTDOWN COMPLETE, the shutdown collision, and T2-shutdown retransmission.
/// </summary>
internal sealed class GracefulShutdown(AssociationCore core)
{
    private int _t2Count;

    public long? T2At { get; private set; }

    public void Stop() => T2At = null;

    /// <summary>User request: stop accepting data; SHUTDOWN follows when everything is acknowledged.</summary>
    public void Begin()
    {
        if (core.State == SctpAssociationState.Established)
        {
            core.ChangeState(SctpAssociationState.ShutdownPending);
        }
        else if (core.State is SctpAssociationState.CookieWait or SctpAssociationState.CookieEchoed)
        {
            core.Close("shutdown before established");
        }
    }

    public void OnShutdown(ReadOnlySpan<byte> value)
    {
        if (core.Data is not DataPath data || !ErrorCause.TryReadUInt32(value, out uint cumTsn))
        {
            core.Stats.ChunksDropped++;
            return;
        }

        data.OnCumulativeAck(cumTsn); // SHUTDOWN carries a cumulative TSN ack.
        switch (core.State)
        {
            case SctpAssociationState.Established or SctpAssociationState.ShutdownPending:
                core.ChangeState(SctpAssociationState.ShutdownReceived);
                break;
            case SctpAssociationState.ShutdownSent:
                SendShutdownAck(); // shutdown collision
                break;
        }
    }

    public void OnShutdownAck()
    {
        if (core.State is SctpAssociationState.ShutdownSent or SctpAssociationState.ShutdownAckSent)
        {
            core.Output.Add(core.PeerTag, SctpChunkType.ShutdownComplete, 0, 0);
            core.Close("shutdown");
        }
    }

    public void OnShutdownComplete()
    {
        if (core.State == SctpAssociationState.ShutdownAckSent)
        {
            core.Close("shutdown complete");
        }
    }

    /// <summary>After each pump: send SHUTDOWN or SHUTDOWN ACK once the data path is drained.</summary>
    public void Advance(DataPath data)
    {
        if (!data.Drained)
        {
            return;
        }

        if (core.State == SctpAssociationState.ShutdownPending)
        {
            WriteShutdown(data);
            core.ChangeState(SctpAssociationState.ShutdownSent);
            T2At = core.NowMs + (long)core.Rto.RtoMs;
            _t2Count = 0;
        }
        else if (core.State == SctpAssociationState.ShutdownReceived)
        {
            SendShutdownAck();
        }
    }

    /// <summary>T2-shutdown expiry: retransmit SHUTDOWN or SHUTDOWN ACK, abort after Association.Max.Retrans.</summary>
    public void OnTimer()
    {
        if (T2At is not long due || core.NowMs < due)
        {
            return;
        }

        core.Rto.Backoff();
        if (++_t2Count > core.Options.MaxRetransmissions)
        {
            T2At = null;
            core.Abort("shutdown timeout");
            return;
        }

        if (core.State == SctpAssociationState.ShutdownSent && core.Data is DataPath data)
        {
            WriteShutdown(data);
        }
        else if (core.State == SctpAssociationState.ShutdownAckSent)
        {
            core.Output.Add(core.PeerTag, SctpChunkType.ShutdownAck, 0, 0);
        }

        T2At = core.NowMs + (long)core.Rto.RtoMs;
    }

    private void WriteShutdown(DataPath data) =>
        BinaryPrimitives.WriteUInt32BigEndian(core.Output.Add(core.PeerTag, SctpChunkType.Shutdown, 0, 4), data.CumulativeTsn);

    private void SendShutdownAck()
    {
        core.Output.Add(core.PeerTag, SctpChunkType.ShutdownAck, 0, 0);
        core.ChangeState(SctpAssociationState.ShutdownAckSent);
        T2At = core.NowMs + (long)core.Rto.RtoMs;
    }
}
