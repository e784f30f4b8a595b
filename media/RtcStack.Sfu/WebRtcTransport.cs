using Microsoft.Extensions.Logging;
using RtcStack.Dtls;
using RtcStack.Ice;
using RtcStack.Sctp;
using RtcStack.Sdp;
using RtcStack.Srtp;

namespace RtcStack.Sfu;

/// <summary>
/// One browser's WebRTC transport: ICE-lite (shared port) → DTLS-SRTP → SRTP for RTP/RTCP and SCTP for data
/// channels. Inbound packets arrive on the media port's UDP receive loop and on the read loop of each ICE-TCP
/// connection of this peer: DTLS records are handed to the <see cref="DtlsSession"/>, SRTP is decrypted in the
/// receive buffer and given to <see cref="RtpReceived"/> / <see cref="RtcpReceived"/>. Bad packets are dropped and
/// counted (meter "RtcStack.Sfu").
/// <para>Threading model: every inbound packet of one transport is handled under its receive gate
/// (<c>_receiveGate</c>, one lock per transport, never a global one), whichever loop delivered it: a peer sending
/// over UDP and ICE-TCP at once is processed one packet at a time, so the inbound SRTP state (replay windows,
/// rollover counters, cipher scratch) and the RTP/RTCP handlers see one thread at a time. The handshake worker takes the
/// same gate to hand over the early datagrams (WebRtcTransport.Early.cs). Sends take no transport lock: the
/// SRTP session serialises protect calls on its outbound direction's lock, so handlers, timers and the receive
/// loops may send concurrently. <see cref="DisposeAsync"/> first closes the gate (it waits for a packet being
/// handled on another thread, then every later packet is dropped and counted as <c>reason=closed</c>), and only
/// then frees SCTP, DTLS and the SRTP keys: no receive uses them after that, and no RTP/RTCP handler runs once
/// DisposeAsync has returned. A handler must therefore not block waiting for a thread that is disposing its
/// transport; calling DisposeAsync from a handler is fine (the gate is re-entrant).</para>
/// <para>Close cascade (DisposeAsync): ICE-TCP connections closed → receive gate closed → SCTP association (ABORT) → DTLS (close_notify) →
/// SRTP keys → ICE transport (forgets its addresses) → <see cref="Closed"/>.</para>
/// </summary>
public sealed partial class WebRtcTransport : IAsyncDisposable
{
    private readonly WebRtcServer _server;
    private readonly IceTransport _ice;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _receiveGate = new(); // see the type remarks: inbound packets, early hand-over, close fence
    private readonly ReceiveCounters _counters = new();
    private readonly EarlySrtpQueue _early = new();
    private readonly TaskCompletionSource<DtlsHandshakeResult> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DtlsSession? _dtls;
    private SrtpSession? _srtp;
    private SrtpSession? _receiveSrtp; // under _receiveGate; set after the early datagrams were processed
    private bool _earlyOpen; // under _receiveGate: early SRTP is kept while the handshake runs
    private bool _receiveClosed; // under _receiveGate: DisposeAsync began, every inbound packet is dropped
    private bool _handingOver; // under _receiveGate: InstallKeys is handing the early datagrams to the handlers
    private SctpParameters? _sctpParameters;
    private int _closed;

    internal WebRtcTransport(WebRtcServer server, IceTransport ice, ILoggerFactory loggerFactory)
    {
        _server = server;
        _ice = ice;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<WebRtcTransport>();
        _ice.PacketReceived = OnPacket;
        _ice.StateChanged += OnIceState;
    }

    /// <summary>Our ICE credentials for the answer.</summary>
    public IceCredentials IceCredentials => _ice.LocalCredentials;

    /// <summary>
    /// The peer's ICE ufrag from its SDP; once set, checks carrying another one are refused (RFC 8445 §7.3).
    /// Set it from each offer or answer (a new value after an ICE restart). Default null: any.
    /// </summary>
    public string? RemoteIceUfrag
    {
        get => _ice.ExpectedRemoteUfrag;
        set => _ice.ExpectedRemoteUfrag = value;
    }

    /// <summary>The server this transport belongs to.</summary>
    public WebRtcServer Server => _server;

    /// <summary>ICE state.</summary>
    public IceState IceState => _ice.State;

    /// <summary>DTLS state (New until <see cref="Connect"/>).</summary>
    public DtlsState DtlsState => _dtls?.State ?? DtlsState.New;

    /// <summary>The negotiated SRTP profile once connected.</summary>
    public DtlsSrtpProfile SrtpProfile => _dtls?.Keys?.Profile ?? DtlsSrtpProfile.None;

    /// <summary>The SCTP association once DTLS is up (null when no data channel section was negotiated).</summary>
    public SctpAssociation? Sctp { get; private set; }

    /// <summary>Decrypted RTP, on the loop that received it; never called concurrently for one transport.</summary>
    public RtpPacketHandler? RtpReceived { get; set; }

    /// <summary>Decrypted RTCP (compound), like <see cref="RtpReceived"/>.</summary>
    public RtpPacketHandler? RtcpReceived { get; set; }

    /// <summary>A data channel opened by the peer.</summary>
    public event Action<DataChannel>? DataChannelOpened;

    /// <summary>Raised once when the transport closes (by us, consent loss, DTLS failure or close_notify).</summary>
    public event Action<WebRtcTransport>? Closed;

    /// <summary>Completes with the DTLS handshake result.</summary>
    public Task<DtlsHandshakeResult> Connected => _connected.Task;

    /// <summary>
    /// Starts DTLS with the remote parameters from SDP: the peer certificate must match
    /// <paramref name="remoteFingerprint"/>; <paramref name="role"/> comes from our answer's a=setup.
    /// </summary>
    public void Connect(FingerprintAttribute remoteFingerprint, DtlsRole role, SctpParameters? sctp)
    {
        if (_dtls is not null)
        {
            throw new InvalidOperationException("Connect was already called.");
        }
        _sctpParameters = sctp;
        var options = new DtlsOptions { HandshakeTimeout = _server.Options.DtlsHandshakeTimeout };
        var dtls = new DtlsSession(role, _server.Certificate, der => remoteFingerprint.Matches(der),
            d => _ice.Send(d), options, _loggerFactory.CreateLogger<DtlsSession>());
        dtls.ApplicationDataReceived = d => Sctp?.HandlePacket(d);
        // Published under the receive gate, which DisposeAsync closes before it reads _dtls: either DisposeAsync
        // sees the session and disposes it, or it began first and the session is disposed here and never started
        // (Connect racing a close no longer leaves a DTLS session, and its handshake slot, behind).
        bool closed;
        lock (_receiveGate)
        {
            _dtls = dtls;
            closed = _receiveClosed;
            _earlyOpen = !closed;
        }
        if (closed)
        {
            dtls.Dispose();
            return;
        }
        // As DTLS server we wait for the ClientHello; as client we need a validated pair to send to.
        if (role == DtlsRole.Server || _ice.State is IceState.Connected or IceState.Completed)
        {
            _ = RunHandshakeAsync();
        }
    }

    /// <summary>Protects <paramref name="buffer"/>[..<paramref name="length"/>] in place and sends it; false when not connected.</summary>
    public bool SendRtp(Span<byte> buffer, int length) => Send(buffer, length, rtcp: false);

    /// <summary>Protects an RTCP (compound) packet in place and sends it.</summary>
    public bool SendRtcp(Span<byte> buffer, int length) => Send(buffer, length, rtcp: true);

    /// <summary>
    /// No transport lock: <see cref="SrtpSession"/> serialises protect calls on its outbound direction's lock, and
    /// its Dispose takes that lock too, so a send racing DisposeAsync gets <see cref="SrtpResult.Disposed"/>.
    /// </summary>
    private bool Send(Span<byte> buffer, int length, bool rtcp)
    {
        var srtp = Volatile.Read(ref _srtp);
        if (srtp is null || Volatile.Read(ref _closed) != 0)
        {
            return false;
        }
        var result = rtcp ? srtp.ProtectRtcp(buffer, length, out var protectedLength) : srtp.ProtectRtp(buffer, length, out protectedLength);
        if (result != SrtpResult.Ok)
        {
            SfuMetrics.Drop(SfuMetrics.ProtectFailure(result));
            return false;
        }
        SfuMetrics.Sent.Add(1);
        return _ice.Send(buffer[..protectedLength]);
    }

    private async Task RunHandshakeAsync()
    {
        var result = await _dtls!.HandshakeAsync().ConfigureAwait(false);
        if (result == DtlsHandshakeResult.Connected)
        {
            if (_server.BeforeKeysInstalled is { } hold)
            {
                await hold(this).ConfigureAwait(false);
            }
            OnDtlsConnected(_dtls.Keys!);
        }
        else
        {
            DiscardEarly();
        }
        _connected.TrySetResult(result);
        if (result != DtlsHandshakeResult.Connected)
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnDtlsConnected(SrtpKeyingMaterial keys)
    {
        var srtp = SrtpSession.Create((SrtpProfile)(int)keys.Profile, keys.LocalMasterKey.Span, keys.LocalMasterSalt.Span,
            keys.RemoteMasterKey.Span, keys.RemoteMasterSalt.Span);
        // Under the receive gate (re-entrant with InstallKeys): the association exists before DisposeAsync closes
        // the gate, so DisposeAsync disposes it, or it is never created; and no DTLS record is handled in between.
        lock (_receiveGate)
        {
            if (!InstallKeys(srtp))
            {
                return;
            }
            if (_sctpParameters is { } p)
            {
                StartSctp(p);
            }
        }
        LogConnected(_logger, _ice.LocalCredentials.Ufrag, keys.Profile);
    }

    private void StartSctp(SctpParameters p)
    {
        var sctp = new SctpAssociation(new SctpOverDtls(_dtls!), new SctpAssociationOptions
        {
            IsDtlsClient = _dtls!.Role == DtlsRole.Client,
            LocalPort = (ushort)p.LocalPort,
            RemotePort = (ushort)p.RemotePort,
            MaxReceiveMessageSize = p.MaxMessageSize,
            MaxSendMessageSize = p.MaxMessageSize,
            MaxPacketSize = _dtls.ApplicationSendLimit, // the association counts chunk padding itself
        }, logger: _loggerFactory.CreateLogger<SctpAssociation>());
        sctp.OnDataChannel += c => DataChannelOpened?.Invoke(c);
        Sctp = sctp;
        sctp.Start();
    }

    private void OnIceState(IceTransport ice, IceState state)
    {
        if (state is IceState.Connected or IceState.Completed && _dtls is { Role: DtlsRole.Client, State: DtlsState.New })
        {
            _ = RunHandshakeAsync();
        }
        else if (state == IceState.Disconnected)
        {
            LogConsentLost(_logger, ice.LocalCredentials.Ufrag);
            _ = DisposeAsync().AsTask();
        }
    }

    /// <summary>Closes in cascade order (see the type remarks). Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        // ICE-TCP connections first: a packet being handled on one of their read loops never waits on them (sends
        // do not block), and closing them ends those loops, so the gate below is free within one handler run.
        _ice.CloseTcpConnections();
        CloseReceive(); // from here no inbound packet uses SCTP, DTLS or the SRTP keys
        if (Sctp is { } sctp)
        {
            await sctp.DisposeAsync().ConfigureAwait(false);
        }
        _dtls?.Dispose();
        Volatile.Read(ref _srtp)?.Dispose(); // a send in flight finishes first (the direction lock), later ones drop
        _ice.Dispose();
        _connected.TrySetResult(DtlsHandshakeResult.Cancelled);
        LogClosed(_logger, _ice.LocalCredentials.Ufrag);
        Closed?.Invoke(this);
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "WebRTC transport {Ufrag} connected ({Profile})")]
    private static partial void LogConnected(ILogger logger, string ufrag, DtlsSrtpProfile profile);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "WebRTC transport {Ufrag} lost ICE consent")]
    private static partial void LogConsentLost(ILogger logger, string ufrag);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "WebRTC transport {Ufrag} closed")]
    private static partial void LogClosed(ILogger logger, string ufrag);
}
