using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using RtcStack.Sctp.DataChannels;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// The single-threaded SCTP association state machine (RFC 9260 §4–§9): packet dispatch, verification
/// tags, data path, timers. It performs no I/O: packets accumulate in <see cref="Output"/>, user callbacks
/// are handed to <c>post</c>; <see cref="SctpAssociation"/> adds locking, timers and the transport.
/// </summary>
internal sealed class AssociationCore
{
    private readonly Action<Action> _post;
    private readonly ILogger _logger;
    private readonly Handshake _handshake;
    private RetransmissionQueue? _tx;
    private DataTracker? _rx;
    private ReassemblyQueue? _reassembly;
    private StreamResetter? _resetter;
    private long? _t2At;
    private int _t2Count;
    private long? _t3At;
    private long? _ackAt;
    private long? _heartbeatAt;
    private bool _heartbeatOutstanding;
    private int _errorCount;
    private bool _forwardTsnPending;

    public AssociationCore(SctpAssociationOptions options, IDataChannelHost host, Action<DataChannel> accepted, Action<Action> post, ILogger logger)
    {
        Options = options;
        _post = post;
        _logger = logger;
        Output = new PacketAssembler(options.MaxPacketSize, options.LocalPort, options.RemotePort);
        Rto = new RtoEstimator(options.RtoInitial, options.RtoMin, options.RtoMax);
        Channels = new DataChannelManager(this, host, accepted);
        LocalTag = RandomTag();
        LocalInitialTsn = RandomTag();
        _handshake = new Handshake(this, RandomNumberGenerator.GetBytes(32));
        OutboundStreams = options.Streams;
    }

    public SctpAssociationOptions Options { get; }

    public SctpStatistics Stats { get; } = new();

    public PacketAssembler Output { get; }

    public DataChannelManager Channels { get; }

    public SendQueue SendQueue { get; } = new();

    public RtoEstimator Rto { get; }

    public SctpAssociationState State { get; private set; }

    public long NowMs { get; private set; }

    public uint LocalTag { get; }

    public uint LocalInitialTsn { get; }

    public uint PeerTag { get; set; }

    public ushort OutboundStreams { get; private set; }

    public ushort InboundStreams { get; private set; }

    public bool IsEstablished => State is SctpAssociationState.Established;

    /// <summary>New messages are accepted before shutdown starts.</summary>
    public bool CanAcceptData => State is SctpAssociationState.Established;

    public uint ReceiverWindow => (uint)Math.Max(0, Options.ReceiveWindow - (_reassembly?.BufferedBytes ?? 0));

    internal RetransmissionQueue? Transmit => _tx;

    public long? NextDeadlineMs
    {
        get
        {
            long? next = Min(Min(Min(_handshake.T1At, _t2At), Min(_t3At, _ackAt)), _heartbeatAt);
            return _resetter?.HasWork == true ? Min(next, _resetter.RetransmitAtMs) : next;
        }
    }

    public void Post(Action action) => _post(action);

    public void SetTime(long nowMs) => NowMs = Math.Max(NowMs, nowMs);

    public void EnqueueMessage(OutgoingMessage message) => SendQueue.Enqueue(message);

    public void RequestStreamReset(ushort streamId) => _resetter?.Request(streamId);

    /// <summary>Active open: send INIT (RFC 9260 §5.1). Both WebRTC peers may do this; collisions are handled.</summary>
    public void Connect()
    {
        if (State == SctpAssociationState.Closed)
        {
            _handshake.SendInit();
            ChangeState(SctpAssociationState.CookieWait);
        }
    }

    /// <summary>Processes one inbound SCTP packet. Never throws for any bytes.</summary>
    public void HandlePacket(ReadOnlySpan<byte> packet)
    {
        Stats.PacketsReceived++;
        if (SctpPacketReader.TryRead(packet, out SctpPacketReader reader) != SctpReadResult.Ok
            || reader.DestinationPort != Options.LocalPort || reader.SourcePort != Options.RemotePort
            || !VerificationTagAccepted(reader))
        {
            Stats.PacketsDropped++;
            return;
        }

        bool data = false;
        foreach (SctpChunk chunk in reader)
        {
            if (!Dispatch(chunk, reader.VerificationTag, ref data))
            {
                break;
            }
        }

        if (data)
        {
            _rx?.OnDataPacket();
        }

        Pump();
    }

    private bool VerificationTagAccepted(SctpPacketReader reader)
    {
        SctpPacketReader.ChunkEnumerator chunks = reader.GetEnumerator();
        if (!chunks.MoveNext())
        {
            return false;
        }

        SctpChunk first = chunks.Current;
        if (first.Type == SctpChunkType.Init)
        {
            return reader.VerificationTag == 0 && !chunks.MoveNext(); // §8.5.1 A, §6.10
        }

        bool tBit = (first.Flags & 1) != 0 && first.Type is SctpChunkType.Abort or SctpChunkType.ShutdownComplete;
        return tBit ? PeerTag != 0 && reader.VerificationTag == PeerTag : reader.VerificationTag == LocalTag;
    }

    private bool Dispatch(SctpChunk chunk, uint packetTag, ref bool data)
    {
        switch (chunk.Type)
        {
            case SctpChunkType.Data:
                data |= OnData(chunk);
                return true;
            case SctpChunkType.Init:
                _handshake.OnInit(chunk.Value);
                return false;
            case SctpChunkType.InitAck:
                _handshake.OnInitAck(chunk.Value);
                return true;
            case SctpChunkType.CookieEcho:
                _handshake.OnCookieEcho(chunk.Value, packetTag);
                return true;
            case SctpChunkType.CookieAck:
                _handshake.OnCookieAck();
                return true;
            case SctpChunkType.Sack:
                OnSack(chunk.Value);
                return true;
            case SctpChunkType.Heartbeat:
                OnHeartbeat(chunk.Value);
                return true;
            case SctpChunkType.HeartbeatAck:
                OnHeartbeatAck(chunk.Value);
                return true;
            case SctpChunkType.Abort:
                _logger.AbortedByPeer(ErrorCause.FirstCode(chunk.Value));
                Close("aborted by peer");
                return false;
            case SctpChunkType.Error:
                _logger.ErrorChunk(ErrorCause.FirstCode(chunk.Value));
                return true;
            case SctpChunkType.Shutdown:
                OnShutdown(chunk.Value);
                return true;
            case SctpChunkType.ShutdownAck:
                OnShutdownAck();
                return false;
            case SctpChunkType.ShutdownComplete:
                if (State == SctpAssociationState.ShutdownAckSent)
                {
                    Close("shutdown complete");
                }

                return false;
            case SctpChunkType.ForwardTsn:
                OnForwardTsn(chunk.Value);
                return true;
            case SctpChunkType.ReConfig:
                OnReConfig(chunk.Value);
                return true;
            default:
                return OnUnknownChunk(chunk);
        }
    }

    /// <summary>RFC 9260 §3.2: the two high bits of an unknown type say stop or skip, and whether to report.</summary>
    private bool OnUnknownChunk(SctpChunk chunk)
    {
        Stats.ChunksDropped++;
        byte type = (byte)chunk.Type;
        if ((type & 0x40) != 0 && PeerTag != 0 && State != SctpAssociationState.Closed)
        {
            int len = Math.Min(SctpPacketReader.ChunkHeaderLength + chunk.Value.Length, Output.MaxChunkValue - 8);
            Span<byte> value = Output.Add(PeerTag, SctpChunkType.Error, 0, 4 + len);
            Span<byte> body = value[4..];
            body[0] = type;
            body[1] = chunk.Flags;
            body[2] = (byte)((chunk.Value.Length + 4) >> 8);
            body[3] = (byte)(chunk.Value.Length + 4);
            chunk.Value[..(len - 4)].CopyTo(body[4..]);
            ErrorCause.Write(value, ErrorCause.UnrecognizedChunkType, body[..len].ToArray());
        }

        return (type & 0x80) != 0;
    }

    private bool OnData(SctpChunk chunk)
    {
        if (_rx is null || _reassembly is null || State is SctpAssociationState.Closed or SctpAssociationState.CookieWait or SctpAssociationState.CookieEchoed)
        {
            Stats.ChunksDropped++;
            return false;
        }

        if (DataChunk.TryRead(chunk.Flags, chunk.Value, out DataChunk d) != SctpReadResult.Ok)
        {
            Stats.ChunksDropped++;
            return false;
        }

        Stats.DataChunksReceived++;
        switch (_rx.Check(d.Tsn))
        {
            case TsnCheck.Duplicate:
                Stats.DuplicateTsns++;
                _rx.AddDuplicate(d.Tsn);
                return true;
            case TsnCheck.OutOfWindow:
                Stats.OutOfWindowTsns++;
                return false;
        }

        if (d.StreamId >= InboundStreams)
        {
            Stats.ChunksDropped++; // §6.5: invalid stream; still acknowledged.
            _rx.Add(d.Tsn);
            return true;
        }

        if (_reassembly.BufferedBytes + d.UserData.Length > Options.ReceiveWindow && d.Tsn != _rx.CumulativeTsn + 1)
        {
            Stats.ReceiveBufferDrops++;
            return true;
        }

        _rx.Add(d.Tsn);
        _reassembly.Add(d);
        Stats.OversizedMessages = _reassembly.OversizedMessages;
        return true;
    }

    private void OnSack(ReadOnlySpan<byte> value)
    {
        if (_tx is null || SackChunk.TryRead(value, out SackChunk sack) != SctpReadResult.Ok)
        {
            Stats.ChunksDropped++;
            return;
        }

        ProcessSack(sack);
    }

    private void ProcessSack(in SackChunk sack)
    {
        SackOutcome outcome = _tx!.OnSack(sack, NowMs);
        if (!outcome.Accepted)
        {
            return;
        }

        if (outcome.FastRetransmit)
        {
            Stats.FastRetransmits++;
        }

        if (outcome.CumulativeAdvanced)
        {
            _errorCount = 0;
            _t3At = _tx.IsEmpty ? null : NowMs + (long)Rto.RtoMs; // §6.3.2 R3
        }

        _forwardTsnPending |= _tx.NeedsForwardTsn;
    }

    private void OnHeartbeat(ReadOnlySpan<byte> value)
    {
        if (PeerTag == 0 || State == SctpAssociationState.Closed)
        {
            return;
        }

        if (value.Length <= Output.MaxChunkValue)
        {
            value.CopyTo(Output.Add(PeerTag, SctpChunkType.HeartbeatAck, 0, value.Length)); // §8.3 echo
        }
    }

    private void OnHeartbeatAck(ReadOnlySpan<byte> value)
    {
        if (Heartbeat.TryReadSentTime(value, out long sentMs) && _heartbeatOutstanding)
        {
            _heartbeatOutstanding = false;
            _errorCount = 0;
            Rto.Measure(NowMs - sentMs);
        }
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private static uint RandomTag()
    {
        uint v;
        do
        {
            v = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        }
        while (v == 0);
        return v;
    }

    private void OnShutdown(ReadOnlySpan<byte> value)
    {
        if (_tx is null || !ErrorCause.TryReadUInt32(value, out uint cumTsn))
        {
            Stats.ChunksDropped++;
            return;
        }

        // §9.2: SHUTDOWN carries a cumulative TSN ack; treat it like a SACK without gaps.
        Span<byte> sack = stackalloc byte[SackChunk.FixedLength];
        SackChunk.WriteHeader(sack, cumTsn, (uint)Math.Min(uint.MaxValue, _tx.PeerReceiverWindow + _tx.Outstanding), 0, 0);
        if (SackChunk.TryRead(sack, out SackChunk parsed) == SctpReadResult.Ok)
        {
            ProcessSack(parsed);
        }

        switch (State)
        {
            case SctpAssociationState.Established or SctpAssociationState.ShutdownPending:
                ChangeState(SctpAssociationState.ShutdownReceived);
                break;
            case SctpAssociationState.ShutdownSent:
                SendShutdownAck(); // §9.2 shutdown collision
                break;
        }
    }

    private void OnShutdownAck()
    {
        if (State is SctpAssociationState.ShutdownSent or SctpAssociationState.ShutdownAckSent)
        {
            Output.Add(PeerTag, SctpChunkType.ShutdownComplete, 0, 0);
            Close("shutdown");
        }
    }

    private void OnForwardTsn(ReadOnlySpan<byte> value)
    {
        if (_rx is null || _reassembly is null || ForwardTsnChunk.TryRead(value, out ForwardTsnChunk f) != SctpReadResult.Ok)
        {
            Stats.ChunksDropped++;
            return;
        }

        // RFC 3758 §3.6: move the cumulative TSN, drop fragments below it, skip SSNs; SACK at once.
        if (SerialNumber.Gt(f.NewCumulativeTsn, _rx.CumulativeTsn) && f.NewCumulativeTsn - _rx.CumulativeTsn > DataTracker.MaxWindow)
        {
            Stats.OutOfWindowTsns++;
            return;
        }

        _rx.ForwardTo(f.NewCumulativeTsn);
        _reassembly.Forward(_rx.CumulativeTsn, f);
        _rx.RequestSack();
    }

    private void OnReConfig(ReadOnlySpan<byte> value)
    {
        if (_resetter is null || _rx is null || _reassembly is null)
        {
            Stats.ChunksDropped++;
            return;
        }

        SctpReadResult r = _resetter.OnReConfig(
            value,
            _rx.CumulativeTsn,
            NowMs,
            stream =>
            {
                _reassembly.ResetStream(stream);
                Channels.OnIncomingStreamReset(stream);
            },
            stream =>
            {
                SendQueue.ResetSsn(stream);
                Channels.OnOutgoingStreamReset(stream);
            });
        if (r != SctpReadResult.Ok)
        {
            Stats.ChunksDropped++;
        }
    }

    /// <summary>Called by the handshake when the association comes up (RFC 9260 §5.1 D/E).</summary>
    public void Establish(uint peerTag, uint peerInitialTsn, uint peerWindow, ushort peerOutbound, ushort peerInbound)
    {
        PeerTag = peerTag;
        OutboundStreams = Math.Min(Options.Streams, peerInbound);
        InboundStreams = Math.Min(Options.Streams, peerOutbound);
        _tx = new RetransmissionQueue(LocalInitialTsn, Options.MaxPacketSize, peerWindow, Rto);
        _rx = new DataTracker(peerInitialTsn);
        _reassembly = new ReassemblyQueue(Options.MaxReceiveMessageSize, (stream, ppid, data) => Channels.OnMessage(stream, ppid, data));
        _resetter = new StreamResetter(LocalInitialTsn, peerInitialTsn);
        _heartbeatAt = NowMs + (long)Options.HeartbeatInterval.TotalMilliseconds;
        ChangeState(SctpAssociationState.Established);
        _logger.Established(OutboundStreams, InboundStreams);
        Channels.OnEstablished();
    }

    /// <summary>Graceful close (RFC 9260 §9.2): send what is queued, then SHUTDOWN.</summary>
    public void Shutdown()
    {
        if (State == SctpAssociationState.Established)
        {
            ChangeState(SctpAssociationState.ShutdownPending);
        }
        else if (State is SctpAssociationState.CookieWait or SctpAssociationState.CookieEchoed)
        {
            Close("shutdown before established");
        }
    }

    /// <summary>Sends ABORT with "User-Initiated Abort" (RFC 9260 §9.1) and closes.</summary>
    public void Abort(string reason)
    {
        if (State == SctpAssociationState.Closed)
        {
            return;
        }

        if (PeerTag != 0)
        {
            Span<byte> value = Output.Add(PeerTag, SctpChunkType.Abort, 0, ErrorCause.Size(0));
            ErrorCause.Write(value, ErrorCause.UserInitiatedAbort, default);
        }

        Close(reason);
    }

    public void Close(string reason)
    {
        if (State == SctpAssociationState.Closed)
        {
            return;
        }

        _handshake.Stop();
        _t2At = _t3At = _ackAt = _heartbeatAt = null;
        _reassembly?.Clear();
        ChangeState(SctpAssociationState.Closed);
        _logger.Closed(reason);
        Channels.OnAssociationClosed();
    }

    public void ChangeState(SctpAssociationState state)
    {
        if (State != state)
        {
            State = state;
            _post(() => StateChanged?.Invoke(state));
        }
    }

    public event Action<SctpAssociationState>? StateChanged;

    /// <summary>Writes whatever may be sent now: SACK, retransmissions, new DATA, FORWARD-TSN, RE-CONFIG, SHUTDOWN.</summary>
    public void Pump()
    {
        if (_tx is null || _rx is null || State is SctpAssociationState.Closed)
        {
            Output.Flush();
            return;
        }

        if (_rx.SackDue)
        {
            WriteSack();
        }
        else if (_rx.HasUnacknowledged && _ackAt is null)
        {
            _ackAt = NowMs + (long)Options.DelayedAckTime.TotalMilliseconds;
        }

        SendData();
        if (_forwardTsnPending && _tx.NeedsForwardTsn)
        {
            _tx.WriteForwardTsn(Output.Add(PeerTag, SctpChunkType.ForwardTsn, 0, _tx.ForwardTsnValueLength()));
            Stats.ForwardTsnSent++;
        }

        _forwardTsnPending = false;
        _resetter!.Write(Output, PeerTag, SendQueue, _tx.NextTsn, NowMs, Rto.RtoMs);
        _t3At = _tx.IsEmpty ? null : _t3At ?? NowMs + (long)Rto.RtoMs; // §6.3.2 R1/R2
        AdvanceShutdown();
        Stats.AbandonedMessages = SendQueue.DroppedMessages + _tx.AbandonedMessages;
        Output.Flush();
    }

    private void WriteSack()
    {
        int length = _rx!.SackValueLength(Output.MaxChunkValue);
        _rx.WriteSack(Output.Add(PeerTag, SctpChunkType.Sack, 0, length), ReceiverWindow);
        _ackAt = null;
    }

    private void SendData()
    {
        RetransmissionQueue tx = _tx!;
        int maxPayload = Output.MaxChunkValue - DataChunk.HeaderLength;
        bool newData = State is SctpAssociationState.Established or SctpAssociationState.ShutdownPending or SctpAssociationState.ShutdownReceived;
        while (true)
        {
            InflightChunk? again = tx.PeekRetransmit();
            if (again is not null)
            {
                if (tx.AbandonIfExpired(again, NowMs))
                {
                    _forwardTsnPending = true;
                    continue;
                }

                if (!tx.CanSend(again.Length))
                {
                    break;
                }

                WriteDataChunk(again);
                tx.MarkRetransmitted(again, NowMs);
                Stats.Retransmissions++;
                continue;
            }

            OutgoingMessage? message = newData ? SendQueue.Peek(NowMs) : null;
            if (message is null || !tx.CanSend(Math.Min(maxPayload, message.Data.Length - message.NextOffset)))
            {
                break;
            }

            (int offset, int length, byte flags) = SendQueue.TakeFragment(message, maxPayload);
            WriteDataChunk(tx.Add(message, offset, length, flags, NowMs));
            if ((flags & DataChunk.FlagEnd) != 0)
            {
                Stats.MessagesSent++;
            }
        }
    }

    private void WriteDataChunk(InflightChunk c)
    {
        Span<byte> value = Output.Add(PeerTag, SctpChunkType.Data, c.Flags, DataChunk.HeaderLength + c.Length);
        DataChunk.Write(value, c.Tsn, c.Message.StreamId, c.Message.Ssn, c.Message.Ppid, c.Payload);
    }

    private void AdvanceShutdown()
    {
        bool drained = SendQueue.IsEmpty && _tx!.IsEmpty;
        if (State == SctpAssociationState.ShutdownPending && drained)
        {
            Span<byte> value = Output.Add(PeerTag, SctpChunkType.Shutdown, 0, 4);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(value, _rx!.CumulativeTsn);
            ChangeState(SctpAssociationState.ShutdownSent);
            _t2At = NowMs + (long)Rto.RtoMs;
            _t2Count = 0;
        }
        else if (State == SctpAssociationState.ShutdownReceived && drained)
        {
            SendShutdownAck();
        }
    }

    private void SendShutdownAck()
    {
        Output.Add(PeerTag, SctpChunkType.ShutdownAck, 0, 0);
        ChangeState(SctpAssociationState.ShutdownAckSent);
        _t2At = NowMs + (long)Rto.RtoMs;
    }

    /// <summary>Runs every timer whose deadline has passed, then pumps.</summary>
    public void OnTimer()
    {
        _handshake.OnTimer();
        if (_t2At is long t2 && NowMs >= t2)
        {
            OnT2Expired();
        }

        if (_t3At is long t3 && NowMs >= t3 && _tx is not null)
        {
            Stats.T3Expirations++;
            _tx.OnT3Expired(NowMs); // §6.3.3
            _forwardTsnPending |= _tx.NeedsForwardTsn;
            _t3At = NowMs + (long)Rto.RtoMs;
            if (++_errorCount > Options.MaxRetransmissions)
            {
                Abort("too many retransmissions");
                return;
            }
        }

        if (_ackAt is long ack && NowMs >= ack)
        {
            _rx?.RequestSack();
            _ackAt = null;
        }

        if (_heartbeatAt is long hb && NowMs >= hb && State != SctpAssociationState.Closed)
        {
            if (_heartbeatOutstanding && ++_errorCount > Options.MaxRetransmissions)
            {
                Abort("heartbeat timeout");
                return;
            }

            Heartbeat.Write(Output.Add(PeerTag, SctpChunkType.Heartbeat, 0, Heartbeat.ValueLength), NowMs);
            _heartbeatOutstanding = true;
            _heartbeatAt = NowMs + (long)Options.HeartbeatInterval.TotalMilliseconds + (long)Rto.RtoMs;
        }

        Pump();
    }

    private void OnT2Expired()
    {
        Rto.Backoff();
        if (++_t2Count > Options.MaxRetransmissions)
        {
            Abort("shutdown timeout");
            return;
        }

        if (State == SctpAssociationState.ShutdownSent)
        {
            Span<byte> value = Output.Add(PeerTag, SctpChunkType.Shutdown, 0, 4);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(value, _rx!.CumulativeTsn);
        }
        else if (State == SctpAssociationState.ShutdownAckSent)
        {
            Output.Add(PeerTag, SctpChunkType.ShutdownAck, 0, 0);
        }

        _t2At = NowMs + (long)Rto.RtoMs;
    }
}
