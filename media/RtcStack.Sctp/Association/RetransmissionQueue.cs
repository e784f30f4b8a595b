using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// Sender side of RFC 9260 §6–7: TSN assignment, chunks awaiting acknowledgement, SACK processing
/// with gap blocks, fast retransmit (§7.2.4), T3-rtx marking (§6.3.3), congestion control (§7.2.1–7.2.3)
/// and PR-SCTP abandonment with the Advanced.Peer.Ack.Point (RFC 3758 §3.5).
/// </summary>
internal sealed class RetransmissionQueue
{
    private readonly List<InflightChunk> _chunks = [];
    private readonly int _mtu;
    private int _head;
    private int _toRetransmit;
    private uint _recoveryExit;

    public RetransmissionQueue(uint initialTsn, int mtu, uint peerReceiverWindow, RtoEstimator rto)
    {
        NextTsn = initialTsn;
        CumulativeAck = initialTsn - 1;
        AdvancedPeerAckPoint = CumulativeAck;
        _mtu = mtu;
        Rto = rto;
        Cwnd = Math.Min(4 * mtu, Math.Max(2 * mtu, 4380)); // §7.2.1
        Ssthresh = peerReceiverWindow;
        PeerReceiverWindow = peerReceiverWindow;
    }

    public RtoEstimator Rto { get; }

    public uint NextTsn { get; private set; }

    public uint CumulativeAck { get; private set; }

    public uint AdvancedPeerAckPoint { get; private set; }

    public long Outstanding { get; private set; }

    public long Cwnd { get; private set; }

    public long Ssthresh { get; private set; }

    public long PartialBytesAcked { get; private set; }

    public long PeerReceiverWindow { get; private set; }

    public bool InFastRecovery { get; private set; }

    public long AbandonedMessages { get; private set; }

    public int Count => _chunks.Count - _head;

    public bool IsEmpty => Count == 0;

    public bool HasRetransmissions => _toRetransmit > 0;

    public bool NeedsForwardTsn => SerialNumber.Gt(AdvancedPeerAckPoint, CumulativeAck);

    /// <summary>§6.1 A/B: may another chunk of <paramref name="length"/> bytes go out now?</summary>
    public bool CanSend(int length) =>
        Outstanding == 0 || (Outstanding < Cwnd && length <= PeerReceiverWindow);

    /// <summary>Assigns the next TSN to a fragment and records it as sent.</summary>
    public InflightChunk Add(OutgoingMessage message, int offset, int length, byte flags, long nowMs)
    {
        var chunk = new InflightChunk(NextTsn++, message, offset, length, flags) { Transmissions = 1, SentAtMs = nowMs };
        _chunks.Add(chunk);
        message.ChunksOutstanding++;
        Outstanding += length;
        PeerReceiverWindow = Math.Max(0, PeerReceiverWindow - length);
        return chunk;
    }

    /// <summary>The lowest-TSN chunk marked for retransmission, or null.</summary>
    public InflightChunk? PeekRetransmit()
    {
        if (_toRetransmit == 0)
        {
            return null;
        }

        for (int i = _head; i < _chunks.Count; i++)
        {
            if (_chunks[i].State == ChunkState.ToRetransmit)
            {
                return _chunks[i];
            }
        }

        return null;
    }

    public void MarkRetransmitted(InflightChunk chunk, long nowMs)
    {
        chunk.State = ChunkState.InFlight;
        chunk.Transmissions++;
        chunk.SentAtMs = nowMs;
        chunk.MissIndications = 0;
        Outstanding += chunk.Length;
        PeerReceiverWindow = Math.Max(0, PeerReceiverWindow - chunk.Length);
        _toRetransmit--;
    }

    /// <summary>Processes a SACK (§6.2.1); returns what changed. Stale SACKs are ignored.</summary>
    public SackOutcome OnSack(in SackChunk sack, long nowMs)
    {
        uint cum = sack.CumulativeTsnAck;
        if (SerialNumber.Lt(cum, CumulativeAck) || SerialNumber.Ge(cum, NextTsn))
        {
            return SackOutcome.Ignored;
        }

        long flightBefore = Outstanding;
        bool cumAdvanced = SerialNumber.Gt(cum, CumulativeAck);
        long bytesAcked = 0;
        InflightChunk? rttSample = null;
        while (Count > 0 && SerialNumber.Le(_chunks[_head].Tsn, cum))
        {
            InflightChunk c = _chunks[_head];
            bytesAcked += Release(c);
            if (c.Transmissions == 1 && c.State != ChunkState.Abandoned)
            {
                rttSample = c;
            }

            _chunks[_head++] = null!;
            c.Message.ChunksOutstanding--;
            c.Message.TryRelease();
        }

        Compact();
        CumulativeAck = cum;
        uint highestNewlyAcked = cum;
        for (int g = 0; g < sack.GapBlockCount; g++)
        {
            (ushort start, ushort end) = sack.GetGapBlock(g);
            for (uint tsn = cum + start; SerialNumber.Le(tsn, cum + end); tsn++)
            {
                InflightChunk? c = Find(tsn);
                if (c is null || c.State is ChunkState.GapAcked or ChunkState.Abandoned)
                {
                    continue;
                }

                bytesAcked += Release(c);
                c.State = ChunkState.GapAcked;
                highestNewlyAcked = SerialNumber.Gt(tsn, highestNewlyAcked) ? tsn : highestNewlyAcked;
            }
        }

        if (rttSample is not null)
        {
            Rto.Measure(nowMs - rttSample.SentAtMs);
        }

        if (InFastRecovery && SerialNumber.Ge(cum, _recoveryExit))
        {
            InFastRecovery = false;
        }

        bool fast = MarkMissing(highestNewlyAcked, nowMs);
        if (cumAdvanced && !InFastRecovery)
        {
            GrowCwnd(bytesAcked, flightBefore);
        }

        PeerReceiverWindow = Math.Max(0, (long)sack.AdvertisedReceiverWindow - Outstanding);
        UpdateAdvancedPeerAckPoint();
        return new SackOutcome(true, cumAdvanced, fast);
    }

    /// <summary>§6.3.3 E1–E3: T3-rtx expired. Marks everything in flight for retransmission.</summary>
    public void OnT3Expired(long nowMs)
    {
        Ssthresh = Math.Max(Cwnd / 2, 4 * _mtu);
        Cwnd = _mtu;
        PartialBytesAcked = 0;
        InFastRecovery = false;
        Rto.Backoff();
        for (int i = _head; i < _chunks.Count; i++)
        {
            InflightChunk c = _chunks[i];
            if (c.State == ChunkState.InFlight)
            {
                MarkForRetransmit(c, nowMs);
            }
        }

        UpdateAdvancedPeerAckPoint();
    }

    /// <summary>Abandons a chunk's message when its lifetime ran out while waiting for retransmission.</summary>
    public bool AbandonIfExpired(InflightChunk chunk, long nowMs)
    {
        if (!chunk.Message.IsExpired(nowMs) && !chunk.Message.Abandoned)
        {
            return false;
        }

        Abandon(chunk.Message);
        UpdateAdvancedPeerAckPoint();
        return true;
    }

    /// <summary>Writes FORWARD-TSN for the abandoned range (RFC 3758 §3.5 C4); returns the value length.</summary>
    public int ForwardTsnValueLength() => ForwardTsnChunk.ValueLength(CollectForwardStreams().Count);

    public void WriteForwardTsn(Span<byte> value)
    {
        Dictionary<ushort, ushort> streams = CollectForwardStreams();
        ForwardTsnChunk.WriteHeader(value, AdvancedPeerAckPoint);
        int i = 0;
        foreach ((ushort id, ushort ssn) in streams)
        {
            ForwardTsnChunk.WriteStream(value, i++, id, ssn);
        }
    }

    private Dictionary<ushort, ushort> CollectForwardStreams()
    {
        var streams = new Dictionary<ushort, ushort>();
        for (int i = _head; i < _chunks.Count && SerialNumber.Le(_chunks[i].Tsn, AdvancedPeerAckPoint); i++)
        {
            OutgoingMessage m = _chunks[i].Message;
            if (!m.Unordered && (!streams.TryGetValue(m.StreamId, out ushort ssn) || SerialNumber.Lt(ssn, m.Ssn)))
            {
                streams[m.StreamId] = m.Ssn;
            }
        }

        return streams;
    }

    private bool MarkMissing(uint highestNewlyAcked, long nowMs)
    {
        bool marked = false;
        for (int i = _head; i < _chunks.Count && SerialNumber.Lt(_chunks[i].Tsn, highestNewlyAcked); i++)
        {
            InflightChunk c = _chunks[i];
            if (c.State != ChunkState.InFlight || c.FastRetransmitted || ++c.MissIndications < 3)
            {
                continue;
            }

            c.FastRetransmitted = true;
            marked |= MarkForRetransmit(c, nowMs);
        }

        if (marked && !InFastRecovery)
        {
            // §7.2.4: enter Fast Recovery, halve the window once per loss event.
            Ssthresh = Math.Max(Cwnd / 2, 4 * _mtu);
            Cwnd = Ssthresh;
            PartialBytesAcked = 0;
            InFastRecovery = true;
            _recoveryExit = NextTsn - 1;
        }

        return marked;
    }

    /// <summary>Marks for retransmission unless PR-SCTP says to abandon the message instead.</summary>
    private bool MarkForRetransmit(InflightChunk c, long nowMs)
    {
        Outstanding -= c.Length;
        OutgoingMessage m = c.Message;
        if ((m.MaxRetransmits is int max && c.Transmissions > max) || m.IsExpired(nowMs) || m.Abandoned)
        {
            c.State = ChunkState.ToRetransmit;
            _toRetransmit++;
            Abandon(m);
            return false;
        }

        c.State = ChunkState.ToRetransmit;
        _toRetransmit++;
        return true;
    }

    /// <summary>RFC 3758 §3.5 A3: abandon every unacknowledged chunk of the message.</summary>
    private void Abandon(OutgoingMessage m)
    {
        if (!m.Abandoned)
        {
            AbandonedMessages++;
        }

        m.Abandoned = true;
        for (int i = _head; i < _chunks.Count; i++)
        {
            InflightChunk c = _chunks[i];
            if (c.Message != m || c.State is ChunkState.Abandoned or ChunkState.GapAcked)
            {
                continue;
            }

            if (c.State == ChunkState.InFlight)
            {
                Outstanding -= c.Length;
            }
            else
            {
                _toRetransmit--;
            }

            c.State = ChunkState.Abandoned;
        }
    }

    private void UpdateAdvancedPeerAckPoint()
    {
        if (SerialNumber.Lt(AdvancedPeerAckPoint, CumulativeAck))
        {
            AdvancedPeerAckPoint = CumulativeAck;
        }

        for (int i = _head; i < _chunks.Count; i++)
        {
            InflightChunk c = _chunks[i];
            if (SerialNumber.Le(c.Tsn, AdvancedPeerAckPoint))
            {
                continue;
            }

            if (c.State != ChunkState.Abandoned)
            {
                break;
            }

            AdvancedPeerAckPoint = c.Tsn;
        }
    }

    /// <summary>§7.2.1 slow start and §7.2.2 congestion avoidance.</summary>
    private void GrowCwnd(long bytesAcked, long flightBefore)
    {
        if (Cwnd <= Ssthresh)
        {
            if (flightBefore + _mtu >= Cwnd)
            {
                Cwnd += Math.Min(bytesAcked, _mtu);
            }

            return;
        }

        PartialBytesAcked += bytesAcked;
        if (PartialBytesAcked >= Cwnd && flightBefore + _mtu >= Cwnd)
        {
            PartialBytesAcked -= Cwnd;
            Cwnd += _mtu;
        }
    }

    private long Release(InflightChunk c)
    {
        switch (c.State)
        {
            case ChunkState.InFlight:
                Outstanding -= c.Length;
                return c.Length;
            case ChunkState.ToRetransmit:
                _toRetransmit--;
                return c.Length;
            default:
                return 0;
        }
    }

    private InflightChunk? Find(uint tsn)
    {
        if (Count == 0)
        {
            return null;
        }

        long index = _head + (long)(tsn - _chunks[_head].Tsn);
        return index >= _head && index < _chunks.Count ? _chunks[(int)index] : null;
    }

    private void Compact()
    {
        if (_head > 256 && _head * 2 > _chunks.Count)
        {
            _chunks.RemoveRange(0, _head);
            _head = 0;
        }
    }
}

/// <summary>What a SACK did.</summary>
internal readonly record struct SackOutcome(bool Accepted, bool CumulativeAdvanced, bool FastRetransmit)
{
    public static SackOutcome Ignored => default;
}
