using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// The data path of an established association: DATA receipt and SACK generation (RFC 9260 §6.2),
/// SACK processing and sending under cwnd/rwnd with retransmission (§6.1, §6.3, §7), FORWARD-TSN
/// (RFC 3758) and RE-CONFIG stream resets (RFC 6525). Owns the T3-rtx and delayed-ack deadlines.
/// </summary>
internal sealed class DataPath
{
    private readonly AssociationCore _core;
    private readonly RetransmissionQueue _tx;
    private readonly DataTracker _rx;
    private readonly ReassemblyQueue _reassembly;
    private readonly StreamResetter _resetter;
    private bool _forwardTsnPending;

    public DataPath(AssociationCore core, uint peerInitialTsn, uint peerWindow)
    {
        _core = core;
        SctpAssociationOptions o = core.Options;
        _tx = new RetransmissionQueue(core.LocalInitialTsn, o.MaxPacketSize, peerWindow, core.Rto);
        _rx = new DataTracker(peerInitialTsn);
        _reassembly = new ReassemblyQueue(o.MaxReceiveMessageSize, core.Channels.OnMessage);
        _resetter = new StreamResetter(core.LocalInitialTsn, peerInitialTsn);
    }

    public long? T3At { get; private set; }

    public long? AckAt { get; private set; }

    public long? NextDeadlineMs => _resetter.HasWork ? Min(Min(T3At, AckAt), _resetter.RetransmitAtMs) : Min(T3At, AckAt);

    public uint CumulativeTsn => _rx.CumulativeTsn;

    public long BufferedBytes => _reassembly.BufferedBytes;

    public bool Drained => _core.SendQueue.IsEmpty && _tx.IsEmpty;

    public RetransmissionQueue Transmit => _tx;

    public void RequestStreamReset(ushort streamId) => _resetter.Request(streamId);

    /// <summary>One DATA chunk (§6.2); returns true when it counts toward SACK frequency.</summary>
    public bool OnData(SctpChunk chunk)
    {
        SctpStatistics stats = _core.Stats;
        if (DataChunk.TryRead(chunk.Flags, chunk.Value, out DataChunk d) != SctpReadResult.Ok)
        {
            stats.ChunksDropped++;
            return false;
        }

        stats.DataChunksReceived++;
        switch (_rx.Check(d.Tsn))
        {
            case TsnCheck.Duplicate:
                stats.DuplicateTsns++;
                _rx.AddDuplicate(d.Tsn);
                return true;
            case TsnCheck.OutOfWindow:
                stats.OutOfWindowTsns++;
                SctpMetrics.OutOfWindowTsns.Add(1);
                return false;
        }

        if (d.StreamId >= _core.InboundStreams)
        {
            stats.ChunksDropped++; // §6.5: invalid stream; still acknowledged.
            _rx.Add(d.Tsn);
            return true;
        }

        // §6.2: beyond the advertised window only the next in-order TSN is taken (it can unblock delivery),
        // and never past window + InOrderAllowance, so a peer ignoring a_rwnd cannot grow memory.
        long after = _reassembly.BufferedBytes + d.UserData.Length + ReassemblyQueue.Overhead;
        SctpAssociationOptions o = _core.Options;
        if (after > o.ReceiveWindow && (d.Tsn != _rx.CumulativeTsn + 1 || after > o.ReceiveWindow + InOrderAllowance(o)))
        {
            stats.ReceiveBufferDrops++;
            return true;
        }

        _rx.Add(d.Tsn);
        _reassembly.Add(d);
        stats.OversizedMessages = _reassembly.OversizedMessages;
        return true;
    }

    public void OnDataPacket() => _rx.OnDataPacket();

    public void OnSack(ReadOnlySpan<byte> value)
    {
        if (SackChunk.TryRead(value, out SackChunk sack) != SctpReadResult.Ok)
        {
            _core.Stats.ChunksDropped++;
            return;
        }

        ProcessSack(sack);
    }

    /// <summary>SHUTDOWN's cumulative TSN ack (§9.2), handled as a SACK without gap blocks.</summary>
    public void OnCumulativeAck(uint cumTsn)
    {
        Span<byte> value = stackalloc byte[SackChunk.FixedLength];
        SackChunk.WriteHeader(value, cumTsn, (uint)Math.Min(uint.MaxValue, _tx.PeerReceiverWindow + _tx.Outstanding), 0, 0);
        if (SackChunk.TryRead(value, out SackChunk sack) == SctpReadResult.Ok)
        {
            ProcessSack(sack);
        }
    }

    public void OnForwardTsn(ReadOnlySpan<byte> value)
    {
        if (ForwardTsnChunk.TryRead(value, out ForwardTsnChunk f) != SctpReadResult.Ok)
        {
            _core.Stats.ChunksDropped++;
            return;
        }

        // RFC 3758 §3.6: move the cumulative TSN, drop fragments below it, skip SSNs; SACK at once.
        if (SerialNumber.Gt(f.NewCumulativeTsn, _rx.CumulativeTsn) && f.NewCumulativeTsn - _rx.CumulativeTsn > DataTracker.MaxWindow)
        {
            _core.Stats.OutOfWindowTsns++;
            return;
        }

        // Only fragments up to the chunk's New Cumulative TSN were abandoned. ForwardTo then moves the
        // cumulative TSN further over TSNs already received: those may be the first fragments of a reliable
        // message whose last ones are still missing, and they must stay for reassembly.
        _rx.ForwardTo(f.NewCumulativeTsn);
        _reassembly.Forward(f.NewCumulativeTsn, f);
        _rx.RequestSack();
    }

    public void OnReConfig(ReadOnlySpan<byte> value)
    {
        SctpReadResult r = _resetter.OnReConfig(value, _rx.CumulativeTsn, _core.NowMs, OnIncomingReset, OnOutgoingReset);
        if (r != SctpReadResult.Ok)
        {
            _core.Stats.ChunksDropped++;
        }
    }

    /// <summary>T3-rtx expiry (§6.3.3); returns false when the association must be aborted.</summary>
    public bool OnTimers()
    {
        long now = _core.NowMs;
        if (AckAt is long ack && now >= ack)
        {
            _rx.RequestSack();
            AckAt = null;
        }

        if (T3At is not long t3 || now < t3)
        {
            return true;
        }

        _core.Stats.T3Expirations++;
        _tx.OnT3Expired(now);
        _forwardTsnPending |= _tx.NeedsForwardTsn;
        T3At = now + (long)_core.Rto.RtoMs;
        return _core.CountError();
    }

    /// <summary>Writes what may be sent now: SACK, retransmissions, new DATA, FORWARD-TSN, RE-CONFIG.</summary>
    public void Pump(bool newData)
    {
        PacketAssembler output = _core.Output;
        long now = _core.NowMs;
        if (_rx.SackDue)
        {
            int length = _rx.SackValueLength(output.MaxChunkValue);
            _rx.WriteSack(output.Add(_core.PeerTag, SctpChunkType.Sack, 0, length), _core.ReceiverWindow);
            AckAt = null;
        }
        else if (_rx.HasUnacknowledged && AckAt is null)
        {
            AckAt = now + (long)_core.Options.DelayedAckTime.TotalMilliseconds;
        }

        SendData(newData);
        if (_forwardTsnPending && _tx.NeedsForwardTsn)
        {
            _tx.WriteForwardTsn(output.Add(_core.PeerTag, SctpChunkType.ForwardTsn, 0, _tx.ForwardTsnValueLength()));
            _core.Stats.ForwardTsnSent++;
        }

        _forwardTsnPending = false;
        _resetter.Write(output, _core.PeerTag, _core.SendQueue, _tx.NextTsn, now, _core.Rto.RtoMs);
        T3At = _tx.IsEmpty ? null : T3At ?? now + (long)_core.Rto.RtoMs; // §6.3.2 R1/R2
        _core.Stats.AbandonedMessages = _core.SendQueue.DroppedMessages + _tx.AbandonedMessages;
    }

    public void Clear() => _reassembly.Clear();

    private void ProcessSack(in SackChunk sack)
    {
        SackOutcome outcome = _tx.OnSack(sack, _core.NowMs);
        if (!outcome.Accepted)
        {
            return;
        }

        if (outcome.FastRetransmit)
        {
            _core.Stats.FastRetransmits++;
        }

        if (outcome.CumulativeAdvanced)
        {
            _core.ResetErrors();
            T3At = _tx.IsEmpty ? null : _core.NowMs + (long)_core.Rto.RtoMs; // §6.3.2 R3
        }

        _forwardTsnPending |= _tx.NeedsForwardTsn;
    }

    private void SendData(bool newData)
    {
        SendQueue queue = _core.SendQueue;
        long now = _core.NowMs;
        int maxPayload = _core.Output.MaxChunkValue - DataChunk.HeaderLength;
        while (true)
        {
            InflightChunk? again = _tx.PeekRetransmit();
            if (again is not null)
            {
                if (_tx.AbandonIfExpired(again, now))
                {
                    _forwardTsnPending = true;
                    continue;
                }

                if (!_tx.CanSend(again.Length))
                {
                    break;
                }

                WriteDataChunk(again);
                _tx.MarkRetransmitted(again, now);
                _core.Stats.Retransmissions++;
                SctpMetrics.Retransmissions.Add(1);
                continue;
            }

            OutgoingMessage? message = newData ? queue.Peek(now) : null;
            if (message is null || !_tx.CanSend(Math.Min(maxPayload, message.Length - message.NextOffset)))
            {
                break;
            }

            (int offset, int length, byte flags) = queue.TakeFragment(message, maxPayload);
            WriteDataChunk(_tx.Add(message, offset, length, flags, now));
            if ((flags & DataChunk.FlagEnd) != 0)
            {
                _core.Stats.MessagesSent++;
            }
        }
    }

    private void WriteDataChunk(InflightChunk c)
    {
        Span<byte> value = _core.Output.Add(_core.PeerTag, SctpChunkType.Data, c.Flags, DataChunk.HeaderLength + c.Length);
        DataChunk.Write(value, c.Tsn, c.Message.StreamId, c.Message.Ssn, c.Message.Ppid, c.Payload);
    }

    private void OnIncomingReset(ushort stream)
    {
        _reassembly.ResetStream(stream);
        _core.Channels.OnIncomingStreamReset(stream);
    }

    private void OnOutgoingReset(ushort stream)
    {
        _core.SendQueue.ResetSsn(stream);
        _core.Channels.OnOutgoingStreamReset(stream);
    }

    /// <summary>
    /// Room above the window for in-order data. In-order fragments belong to at most one incomplete
    /// message (the rest is delivered at once), which costs its size plus <see cref="ReassemblyQueue.Overhead"/>
    /// per fragment: one maximum message alone would not do, since refusing its last fragments while the
    /// window is full of data above it deadlocks the association. Twice the maximum message covers
    /// fragments of at least Overhead bytes.
    /// </summary>
    internal static long InOrderAllowance(SctpAssociationOptions o) => 2L * o.MaxReceiveMessageSize;

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
