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
    private readonly GracefulShutdown _shutdown;
    private readonly HeartbeatMonitor _heartbeat;
    private DataPath? _data;
    private int _errorCount;
    private bool _finished;

    public AssociationCore(SctpAssociationOptions options, IDataChannelHost host, Action<DataChannel> accepted, Action<Action> post, ILogger logger)
    {
        Options = options;
        _post = post;
        _logger = logger;
        Output = new PacketAssembler(options.MaxPacketSize, options.LocalPort, options.RemotePort);
        Rto = new RtoEstimator(options.RtoInitial, options.RtoMin, options.RtoMax, options.MaxTimerBackoff);
        Channels = new DataChannelManager(this, host, accepted);
        LocalTag = RandomTag();
        LocalInitialTsn = RandomTag();
        _handshake = new Handshake(this, RandomNumberGenerator.GetBytes(32));
        OutboundStreams = options.Streams;
        _shutdown = new GracefulShutdown(this);
        _heartbeat = new HeartbeatMonitor(this);
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

    public uint ReceiverWindow => (uint)Math.Max(0, Options.ReceiveWindow - (_data?.BufferedBytes ?? 0));

    internal RetransmissionQueue? Transmit => _data?.Transmit;

    /// <summary>The data path; null unless established (or shutting down).</summary>
    public DataPath? Data => _data;

    public long? NextDeadlineMs
    {
        get
        {
            long? next = Min(Min(_handshake.T1At, _shutdown.T2At), _heartbeat.DueAt);
            return Min(next, _data?.NextDeadlineMs);
        }
    }

    public void Post(Action action) => _post(action);

    public void SetTime(long nowMs) => NowMs = Math.Max(NowMs, nowMs);

    public void EnqueueMessage(OutgoingMessage message) => SendQueue.Enqueue(message);

    public void RequestStreamReset(ushort streamId) => _data?.RequestStreamReset(streamId);

    /// <summary>A SACK advanced or a HEARTBEAT was answered: the peer is alive (§8.1).</summary>
    public void ResetErrors() => _errorCount = 0;

    /// <summary>Counts a timeout; false (and ABORT sent) when Association.Max.Retrans is exceeded (§8.1).</summary>
    public bool CountError()
    {
        if (++_errorCount <= Options.MaxRetransmissions)
        {
            return true;
        }

        Abort("too many retransmissions");
        return false;
    }

    /// <summary>Active open: send INIT (RFC 9260 §5.1). Both WebRTC peers may do this; collisions are handled.</summary>
    public void Connect()
    {
        if (State == SctpAssociationState.Closed && !_finished)
        {
            _handshake.SendInit();
            ChangeState(SctpAssociationState.CookieWait);
        }
    }

    /// <summary>Processes one inbound SCTP packet. Never throws for any bytes.</summary>
    public void HandlePacket(ReadOnlySpan<byte> packet)
    {
        Stats.PacketsReceived++;
        if (_finished || SctpPacketReader.TryRead(packet, out SctpPacketReader reader) != SctpReadResult.Ok
            || reader.DestinationPort != Options.LocalPort || reader.SourcePort != Options.RemotePort
            || !VerificationTagAccepted(reader))
        {
            Stats.PacketsDropped++;
            SctpMetrics.PacketsDropped.Add(1);
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
            _data?.OnDataPacket();
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
                if (_data is null || State is SctpAssociationState.CookieWait or SctpAssociationState.CookieEchoed)
                {
                    Stats.ChunksDropped++;
                    return true;
                }

                data |= _data.OnData(chunk);
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
                WhenEstablished(chunk.Value, static (d, v) => d.OnSack(v));
                return true;
            case SctpChunkType.Heartbeat:
                _heartbeat.OnHeartbeat(chunk.Value);
                return true;
            case SctpChunkType.HeartbeatAck:
                _heartbeat.OnHeartbeatAck(chunk.Value);
                return true;
            case SctpChunkType.Abort:
                _logger.AbortedByPeer(ErrorCause.FirstCode(chunk.Value));
                Close("aborted by peer");
                return false;
            case SctpChunkType.Error:
                _logger.ErrorChunk(ErrorCause.FirstCode(chunk.Value));
                return true;
            case SctpChunkType.Shutdown:
                _shutdown.OnShutdown(chunk.Value);
                return true;
            case SctpChunkType.ShutdownAck:
                _shutdown.OnShutdownAck();
                return false;
            case SctpChunkType.ShutdownComplete:
                _shutdown.OnShutdownComplete();
                return false;
            case SctpChunkType.ForwardTsn:
                WhenEstablished(chunk.Value, static (d, v) => d.OnForwardTsn(v));
                return true;
            case SctpChunkType.ReConfig:
                WhenEstablished(chunk.Value, static (d, v) => d.OnReConfig(v));
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

    private void WhenEstablished(ReadOnlySpan<byte> value, SpanAction handler)
    {
        if (_data is null)
        {
            Stats.ChunksDropped++;
            return;
        }

        handler(_data, value);
    }

    private delegate void SpanAction(DataPath data, ReadOnlySpan<byte> value);

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

    /// <summary>Called by the handshake when the association comes up (RFC 9260 §5.1 D/E).</summary>
    public void Establish(uint peerTag, uint peerInitialTsn, uint peerWindow, ushort peerOutbound, ushort peerInbound)
    {
        PeerTag = peerTag;
        OutboundStreams = Math.Min(Options.Streams, peerInbound);
        InboundStreams = Math.Min(Options.Streams, peerOutbound);
        _data = new DataPath(this, peerInitialTsn, peerWindow);
        SctpMetrics.AssociationsEstablished.Add(1);
        _heartbeat.Start();
        ChangeState(SctpAssociationState.Established);
        _logger.Established(OutboundStreams, InboundStreams);
        Channels.OnEstablished();
    }

    /// <summary>Graceful close (RFC 9260 §9.2): send what is queued, then SHUTDOWN.</summary>
    public void Shutdown() => _shutdown.Begin();

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

        _finished = true;
        _handshake.Stop();
        _shutdown.Stop();
        _heartbeat.Stop();
        _data?.Clear();
        _data = null;
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
        if (_data is not null && State != SctpAssociationState.Closed)
        {
            _data.Pump(State is SctpAssociationState.Established or SctpAssociationState.ShutdownPending or SctpAssociationState.ShutdownReceived);
            _shutdown.Advance(_data);
        }

        Output.Flush();
    }

    /// <summary>Runs every timer whose deadline has passed, then pumps.</summary>
    public void OnTimer()
    {
        _handshake.OnTimer();
        _shutdown.OnTimer();
        if ((_data is null || _data.OnTimers()) && _heartbeat.OnTimer())
        {
            Pump();
        }

        Output.Flush(); // an ABORT written by a timer must still go out
    }
}
