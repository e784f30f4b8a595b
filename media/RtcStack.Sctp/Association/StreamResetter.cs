using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// RFC 6525 stream reset as WebRTC uses it to close channels: our Outgoing SSN Reset Requests (one in
/// flight at a time, retransmitted until answered) and the peer's, answered in sequence (§5.2.2),
/// deferred with "In progress" until our cumulative TSN reaches the sender's last assigned TSN.
/// </summary>
internal sealed class StreamResetter
{
    private readonly HashSet<ushort> _pending = [];
    private readonly List<(uint Seq, ReConfigResult Result)> _responsesToSend = [];
    private uint _nextRequestSeq;
    private uint _peerExpectedSeq;
    private ReConfigResult _lastResult;
    private ushort[]? _inFlightStreams;
    private uint _inFlightSeq;
    private uint _inFlightLastTsn;

    public StreamResetter(uint localInitialTsn, uint peerInitialTsn)
    {
        _nextRequestSeq = localInitialTsn;
        _peerExpectedSeq = peerInitialTsn;
    }

    /// <summary>When the in-flight request is due for (re)transmission; null when none.</summary>
    public long? RetransmitAtMs { get; private set; }

    public bool HasWork => _responsesToSend.Count > 0 || _pending.Count > 0 || _inFlightStreams is not null;

    public void Request(ushort streamId) => _pending.Add(streamId);

    /// <summary>Writes queued responses and, if possible, a new or due request (each its own RE-CONFIG chunk).</summary>
    public void Write(PacketAssembler output, uint peerTag, SendQueue sendQueue, uint nextTsn, long nowMs, double rtoMs)
    {
        foreach ((uint seq, ReConfigResult result) in _responsesToSend)
        {
            Span<byte> value = output.Add(peerTag, SctpChunkType.ReConfig, 0, ReConfigParameter.ResponseSize);
            ReConfigParameter.WriteResponse(value, seq, result);
            output.Flush();
        }

        _responsesToSend.Clear();
        if (_inFlightStreams is null && _pending.Count > 0)
        {
            ushort[] ready = _pending.Where(s => !sendQueue.HasPending(s)).Take(Math.Min(128, (output.MaxChunkValue - 16) / 2)).ToArray(); // one request fits one packet
            if (ready.Length == 0)
            {
                return;
            }

            foreach (ushort s in ready)
            {
                _pending.Remove(s);
            }

            _inFlightStreams = ready;
            _inFlightSeq = _nextRequestSeq++;
            _inFlightLastTsn = nextTsn - 1;
            RetransmitAtMs = nowMs;
        }

        if (_inFlightStreams is not null && RetransmitAtMs is long due && nowMs >= due)
        {
            int size = ReConfigParameter.OutgoingRequestSize(_inFlightStreams.Length);
            Span<byte> value = output.Add(peerTag, SctpChunkType.ReConfig, 0, size);
            ReConfigParameter.WriteOutgoingRequest(value, _inFlightSeq, _peerExpectedSeq - 1, _inFlightLastTsn, _inFlightStreams);
            output.Flush();
            RetransmitAtMs = nowMs + (long)rtoMs;
        }
    }

    /// <summary>Handles a RE-CONFIG chunk value. Calls back for streams whose reset completed.</summary>
    public SctpReadResult OnReConfig(ReadOnlySpan<byte> value, uint cumulativeTsn, long nowMs, Action<ushort> incomingReset, Action<ushort> outgoingReset)
    {
        var parameters = new SctpParameterEnumerator(value);
        while (parameters.MoveNext())
        {
            if (ReConfigParameter.TryRead(parameters.Type, parameters.Value, out ReConfigParameter p) != SctpReadResult.Ok)
            {
                return SctpReadResult.BadParameterLength;
            }

            switch (p.Type)
            {
                case ReConfigParameter.OutgoingSsnResetRequest:
                    OnPeerOutgoingRequest(p, cumulativeTsn, incomingReset);
                    break;
                case ReConfigParameter.ReConfigurationResponse:
                    OnResponse(p, nowMs, outgoingReset);
                    break;
                default:
                    // Incoming SSN, SSN/TSN reset and add-stream requests are not offered: deny (§5.2).
                    _responsesToSend.Add((p.RequestSequenceNumber, ReConfigResult.Denied));
                    break;
            }
        }

        return parameters.Valid ? SctpReadResult.Ok : SctpReadResult.BadParameterLength;
    }

    private void OnPeerOutgoingRequest(in ReConfigParameter p, uint cumulativeTsn, Action<ushort> incomingReset)
    {
        uint seq = p.RequestSequenceNumber;
        if (seq == _peerExpectedSeq - 1)
        {
            _responsesToSend.Add((seq, _lastResult)); // a retransmission (§5.2.1)
            return;
        }

        if (seq != _peerExpectedSeq)
        {
            _responsesToSend.Add((seq, ReConfigResult.ErrorBadSequenceNumber));
            return;
        }

        if (SerialNumber.Gt(p.Third, cumulativeTsn))
        {
            _responsesToSend.Add((seq, ReConfigResult.InProgress)); // deferred (§5.2.2 E2)
            return;
        }

        for (int i = 0; i < p.StreamCount; i++)
        {
            incomingReset(p.GetStream(i));
        }

        _peerExpectedSeq++;
        _lastResult = ReConfigResult.SuccessPerformed;
        _responsesToSend.Add((seq, _lastResult));
    }

    private void OnResponse(in ReConfigParameter p, long nowMs, Action<ushort> outgoingReset)
    {
        if (_inFlightStreams is null || p.ResponseSequenceNumber != _inFlightSeq)
        {
            return;
        }

        var result = (ReConfigResult)p.Second;
        if (result == ReConfigResult.InProgress)
        {
            RetransmitAtMs = nowMs + 100;
            return;
        }

        ushort[] streams = _inFlightStreams;
        _inFlightStreams = null;
        RetransmitAtMs = null;
        foreach (ushort s in streams)
        {
            outgoingReset(s);
        }
    }
}
