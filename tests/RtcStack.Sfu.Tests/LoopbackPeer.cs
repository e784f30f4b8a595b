using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RtcStack.Dtls;
using RtcStack.Ice;
using RtcStack.Sdp;
using RtcStack.Srtp;
using RtcStack.Stun;

namespace RtcStack.Sfu.Tests;

/// <summary>
/// A minimal in-process "browser": a UDP socket that does the controlling side of ICE, a DTLS client and
/// SRTP, so tests can send exact packets (replays, truncated records) to the SFU's media port.
/// </summary>
internal sealed class LoopbackPeer : IAsyncDisposable
{
    public const uint VideoSsrc = 0x11223344;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly IceCredentials _ice = IceCredentials.Generate();
    private readonly DtlsCertificate _certificate = DtlsCertificate.Generate();
    private Task? _receive;
    private IPEndPoint _server = null!;
    private SessionDescription _answer = null!;

    public LoopbackPeer() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public BlockingCollection<byte[]> Rtp { get; } = new();

    public BlockingCollection<byte[]> Stun { get; } = new();

    public DtlsSession Dtls { get; private set; } = null!;

    public SrtpSession? Srtp { get; private set; }

    public SessionDescription Answer => _answer;

    /// <summary>Offer with one sendrecv VP8 section and a data channel section.</summary>
    public string Offer(FingerprintAttribute? fingerprint = null) => string.Join("\r\n",
        "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1",
        "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
        $"a=ice-ufrag:{_ice.Ufrag}", $"a=ice-pwd:{_ice.Pwd}",
        $"a=fingerprint:{fingerprint ?? new FingerprintAttribute("sha-256", _certificate.Sha256Fingerprint)}",
        "a=setup:actpass", "a=mid:0", "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid", "a=sendrecv", "a=rtcp-mux",
        "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack pli", $"a=ssrc:{VideoSsrc} cname:peer",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0",
        $"a=ice-ufrag:{_ice.Ufrag}", $"a=ice-pwd:{_ice.Pwd}",
        $"a=fingerprint:{new FingerprintAttribute("sha-256", _certificate.Sha256Fingerprint)}",
        "a=setup:actpass", "a=mid:1", "a=sctp-port:5000", "a=max-message-size:262144", "");

    /// <summary>Takes the answer, does one ICE check (USE-CANDIDATE) and runs the DTLS handshake as client.</summary>
    public async Task<DtlsHandshakeResult> ConnectAsync(string answer)
    {
        Assert.Equal(SdpParseResult.Ok, SdpParser.TryParse(answer, out var parsed));
        _answer = parsed!;
        var candidate = _answer.Media[0].GetCandidates()[0];
        Attach(new IPEndPoint(IPAddress.Parse(candidate.Address), candidate.Port), _answer.IceUfrag!, _answer.IcePwd!,
            _answer.Fingerprint!.Value);
        return await HandshakeAsync();
    }

    /// <summary>Aims at the server's media port and does one ICE check (USE-CANDIDATE); DTLS not started yet.</summary>
    public void Attach(IPEndPoint server, string serverUfrag, string serverPwd, FingerprintAttribute serverFingerprint)
    {
        _server = server;
        Dtls = new DtlsSession(DtlsRole.Client, _certificate, der => serverFingerprint.Matches(der), d => Send(d));
        _receive = Task.Run(ReceiveLoop);
        SendCheck(serverUfrag, serverPwd);
        Assert.True(Stun.TryTake(out var response, 30_000), "no STUN response");
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out var reader));
        Assert.Equal(StunClass.SuccessResponse, reader.Class);
    }

    /// <summary>Runs the DTLS handshake as client (after <see cref="Attach"/>); SRTP keys once connected.</summary>
    public async Task<DtlsHandshakeResult> HandshakeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await Dtls.HandshakeAsync(timeout.Token);
        if (result == DtlsHandshakeResult.Connected)
        {
            var k = Dtls.Keys!;
            Srtp = SrtpSession.Create((SrtpProfile)(int)k.Profile, k.LocalMasterKey.Span, k.LocalMasterSalt.Span, k.RemoteMasterKey.Span, k.RemoteMasterSalt.Span);
        }
        return result;
    }

    public void SendCheck(string serverUfrag, string serverPwd) => Send(Check(serverUfrag, serverPwd, useCandidate: true));

    /// <summary>Our DTLS certificate's fingerprint (what the server's Connect must expect).</summary>
    public FingerprintAttribute Fingerprint => new("sha-256", _certificate.Sha256Fingerprint);

    /// <summary>A signed ICE connectivity check (controlling), for UDP or an ICE-TCP frame.</summary>
    public byte[] Check(string serverUfrag, string serverPwd, bool useCandidate)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.NewRandom());
        writer.AddUsername((serverUfrag + ":" + _ice.Ufrag).AsSpan());
        writer.AddPriority(1853824767);
        writer.AddIceControlling(7);
        if (useCandidate)
        {
            writer.AddUseCandidate();
        }
        writer.AddMessageIntegrity(Encoding.UTF8.GetBytes(serverPwd));
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        return buffer[..length];
    }

    /// <summary>An SRTCP-protected receiver report (no report blocks) from our video SSRC.</summary>
    public byte[] ProtectedRtcp()
    {
        var buffer = new byte[64];
        buffer[0] = 0x80;
        buffer[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), VideoSsrc);
        Assert.Equal(SrtpResult.Ok, Srtp!.ProtectRtcp(buffer, 8, out var length));
        return buffer[..length];
    }

    /// <summary>An SRTP-protected VP8-ish RTP packet with our video SSRC.</summary>
    public byte[] ProtectedRtp(ushort sequence, byte fill)
    {
        var buffer = new byte[200];
        buffer[0] = 0x80;
        buffer[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), sequence * 3000u);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), VideoSsrc);
        buffer.AsSpan(12, 100).Fill(fill);
        Assert.Equal(SrtpResult.Ok, Srtp!.ProtectRtp(buffer, 112, out var length));
        return buffer[..length];
    }

    public void Send(ReadOnlySpan<byte> datagram) => _socket.SendTo(datagram, SocketFlags.None, _server);

    public uint AnswerSsrc(int section) => _answer.Media[section].GetSsrcs()[0];

    private async Task ReceiveLoop()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var data = buffer.AsSpan(0, n);
            switch (MediaPacketClassifier.Classify(data))
            {
                case MediaPacketKind.Stun: Stun.Add(data.ToArray()); break;
                case MediaPacketKind.Dtls: Dtls.ProcessDatagram(data); break;
                case MediaPacketKind.Rtp:
                    if (Srtp?.UnprotectRtp(data, out var length) == SrtpResult.Ok)
                    {
                        Rtp.Add(data[..length].ToArray());
                    }
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        if (_receive is not null)
        {
            await _receive;
        }
        Dtls?.Dispose();
        Srtp?.Dispose();
        _stop.Dispose();
    }

    public static string Hex(uint v) => v.ToString("x8", CultureInfo.InvariantCulture);
}
