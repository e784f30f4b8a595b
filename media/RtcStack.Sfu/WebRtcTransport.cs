using Microsoft.Extensions.Logging;
using RtcStack.Dtls;
using RtcStack.Ice;
using RtcStack.Sctp;
using RtcStack.Sdp;
using RtcStack.Srtp;

namespace RtcStack.Sfu;

/// <summary>
/// One browser's WebRTC transport: ICE-lite (shared port) → DTLS-SRTP → SRTP for RTP/RTCP and SCTP for data
/// channels. Everything inbound runs on the media port's receive loop: DTLS records are handed to the
/// <see cref="DtlsSession"/>, SRTP is decrypted in the receive buffer and given to <see cref="RtpReceived"/> /
/// <see cref="RtcpReceived"/>. Bad packets are dropped and counted (meter "RtcStack.Sfu").
/// <para>Close cascade (DisposeAsync): SCTP association (ABORT) → DTLS (close_notify) → SRTP keys → ICE
/// transport (forgets its addresses) → <see cref="Closed"/>.</para>
/// </summary>
public sealed partial class WebRtcTransport : IAsyncDisposable
{
    private readonly WebRtcServer _server;
    private readonly IceTransport _ice;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _protectGate = new();
    private readonly Lock _earlyGate = new();
    private readonly EarlySrtpQueue _early = new();
    private readonly TaskCompletionSource<DtlsHandshakeResult> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DtlsSession? _dtls;
    private SrtpSession? _srtp;
    private SrtpSession? _receiveSrtp; // set after the early datagrams were processed: the receive path's keys
    private bool _earlyOpen; // under _earlyGate: early SRTP is kept while the handshake runs
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

    /// <summary>Decrypted RTP, on the receive loop.</summary>
    public RtpPacketHandler? RtpReceived { get; set; }

    /// <summary>Decrypted RTCP (compound), on the receive loop.</summary>
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
        lock (_earlyGate)
        {
            _earlyOpen = true;
        }
        var options = new DtlsOptions { HandshakeTimeout = _server.Options.DtlsHandshakeTimeout };
        _dtls = new DtlsSession(role, _server.Certificate, der => remoteFingerprint.Matches(der),
            d => _ice.Send(d), options, _loggerFactory.CreateLogger<DtlsSession>());
        _dtls.ApplicationDataReceived = d => Sctp?.HandlePacket(d);
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

    private bool Send(Span<byte> buffer, int length, bool rtcp)
    {
        var srtp = _srtp;
        if (srtp is null)
        {
            return false;
        }
        SrtpResult result;
        int protectedLength;
        lock (_protectGate)
        {
            result = rtcp ? srtp.ProtectRtcp(buffer, length, out protectedLength) : srtp.ProtectRtp(buffer, length, out protectedLength);
        }
        if (result != SrtpResult.Ok)
        {
            SfuMetrics.Drop("protect_" + result);
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
        if (!InstallKeys(srtp))
        {
            return;
        }
        LogConnected(_logger, _ice.LocalCredentials.Ufrag, keys.Profile);
        if (_sctpParameters is { } p)
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

    /// <summary>The receive loop's handler: DTLS to the session, SRTP/SRTCP decrypted in place.</summary>
    private void OnPacket(MediaPacketKind kind, Span<byte> datagram)
    {
        switch (kind)
        {
            case MediaPacketKind.Dtls:
                if (_dtls is null)
                {
                    SfuMetrics.Drop("dtls_before_connect");
                }
                else if (_dtls.ProcessDatagram(datagram) && _dtls.State == DtlsState.Closed)
                {
                    _ = DisposeAsync().AsTask();
                }
                break;
            case MediaPacketKind.Rtp:
            case MediaPacketKind.Rtcp:
                Unprotect(kind == MediaPacketKind.Rtcp, datagram);
                break;
        }
    }

    private void Unprotect(bool rtcp, Span<byte> datagram)
    {
        var srtp = Volatile.Read(ref _receiveSrtp);
        if (srtp is null && !TryHoldEarly(rtcp, datagram, out srtp))
        {
            return;
        }
        Unprotect(srtp, rtcp, datagram);
    }

    private void Unprotect(SrtpSession srtp, bool rtcp, Span<byte> datagram)
    {
        var result = rtcp ? srtp.UnprotectRtcp(datagram, out var length) : srtp.UnprotectRtp(datagram, out length);
        if (result != SrtpResult.Ok)
        {
            SfuMetrics.Drop(result.ToString());
            return;
        }
        SfuMetrics.Received.Add(1);
        (rtcp ? RtcpReceived : RtpReceived)?.Invoke(this, datagram, length);
    }

    /// <summary>Closes in cascade order (see the type remarks). Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        if (Sctp is { } sctp)
        {
            await sctp.DisposeAsync().ConfigureAwait(false);
        }
        _dtls?.Dispose();
        DiscardEarly();
        lock (_protectGate)
        {
            _srtp?.Dispose();
        }
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
