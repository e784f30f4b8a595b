using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RtcStack.Dtls;
using RtcStack.Ice;
using RtcStack.Sdp;
using RtcStack.Srtp;
using RtcStack.Stun;

namespace RtcStack.Media.EchoLoad;

/// <summary>
/// One synthetic browser (the approach of the Sfu tests' LoopbackPeer): a UDP socket doing the controlling
/// side of ICE (one binding request with USE-CANDIDATE), a DTLS client and SRTP, with one Opus and one VP8
/// sendrecv section. Counts the echoed packets that decrypt and carry the answer's SSRC for their section.
/// </summary>
internal sealed class SyntheticPeer : IAsyncDisposable
{
    public const int VideoSize = 1100;
    public const int AudioSize = 160;
    private const uint AudioSsrc = 0x0A0A0A0A;
    private const uint VideoSsrc = 0x0B0B0B0B;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly IceCredentials _ice = IceCredentials.Generate();
    private readonly DtlsCertificate _certificate;
    private readonly TaskCompletionSource _stunAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _receive;
    private IPEndPoint _server = null!;
    private DtlsSession? _dtls;
    private SrtpSession? _srtp;
    private uint _echoAudioSsrc;
    private uint _echoVideoSsrc;
    private ushort _audioSeq;
    private ushort _videoSeq;
    private long _received;
    private long _bad;

    public SyntheticPeer(DtlsCertificate certificate)
    {
        _certificate = certificate;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveBufferSize = 1 << 20;
    }

    /// <summary>Echoed packets that decrypted and had the expected SSRC.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Echoed packets that failed to decrypt or had an unexpected SSRC.</summary>
    public long Bad => Interlocked.Read(ref _bad);

    public string Offer() => string.Join("\r\n",
        "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
        $"a=ice-ufrag:{_ice.Ufrag}", $"a=ice-pwd:{_ice.Pwd}",
        $"a=fingerprint:{new FingerprintAttribute("sha-256", _certificate.Sha256Fingerprint)}",
        "a=setup:actpass", "a=mid:0", "a=sendrecv", "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2", $"a=ssrc:{AudioSsrc} cname:peer",
        "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
        $"a=ice-ufrag:{_ice.Ufrag}", $"a=ice-pwd:{_ice.Pwd}",
        $"a=fingerprint:{new FingerprintAttribute("sha-256", _certificate.Sha256Fingerprint)}",
        "a=setup:actpass", "a=mid:1", "a=sendrecv", "a=rtcp-mux",
        "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack pli", $"a=ssrc:{VideoSsrc} cname:peer", "");

    /// <summary>ICE check with USE-CANDIDATE, then the DTLS client handshake and SRTP keys. False on failure.</summary>
    public async Task<bool> ConnectAsync(string answer, CancellationToken cancellationToken)
    {
        if (SdpParser.TryParse(answer, out var parsed) != SdpParseResult.Ok || parsed!.Media.Count < 2)
        {
            return false;
        }
        var candidate = parsed.Media[0].GetCandidates()[0];
        _server = new IPEndPoint(IPAddress.Parse(candidate.Address), candidate.Port);
        _echoAudioSsrc = parsed.Media[0].GetSsrcs()[0];
        _echoVideoSsrc = parsed.Media[1].GetSsrcs()[0];
        var serverFingerprint = parsed.Fingerprint!.Value;
        _dtls = new DtlsSession(DtlsRole.Client, _certificate, der => serverFingerprint.Matches(der), d => Send(d));
        _receive = Task.Run(ReceiveLoop, CancellationToken.None);
        for (var attempt = 0; attempt < 10 && !_stunAnswered.Task.IsCompleted; attempt++)
        {
            SendCheck(parsed.IceUfrag!, parsed.IcePwd!);
            await Task.WhenAny(_stunAnswered.Task, Task.Delay(500, cancellationToken)).ConfigureAwait(false);
        }
        if (!_stunAnswered.Task.IsCompleted)
        {
            return false;
        }
        if (await _dtls.HandshakeAsync(cancellationToken).ConfigureAwait(false) != DtlsHandshakeResult.Connected)
        {
            return false;
        }
        var k = _dtls.Keys!;
        _srtp = SrtpSession.Create((SrtpProfile)(int)k.Profile, k.LocalMasterKey.Span, k.LocalMasterSalt.Span,
            k.RemoteMasterKey.Span, k.RemoteMasterSalt.Span);
        return true;
    }

    /// <summary>Sends one audio and (if <paramref name="video"/>) one video packet; <paramref name="buffer"/> is scratch (1,500 B).</summary>
    public int SendMedia(byte[] buffer, bool video)
    {
        var sent = SendRtp(buffer, 111, AudioSsrc, ++_audioSeq, _audioSeq * 960u, AudioSize);
        if (video)
        {
            sent += SendRtp(buffer, 96, VideoSsrc, ++_videoSeq, _videoSeq * 1800u, VideoSize);
        }
        return sent;
    }

    private int SendRtp(byte[] buffer, byte payloadType, uint ssrc, ushort sequence, uint timestamp, int size)
    {
        buffer[0] = 0x80;
        buffer[1] = payloadType;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), ssrc);
        buffer.AsSpan(12, size - 12).Fill((byte)sequence);
        if (_srtp!.ProtectRtp(buffer, size, out var length) != SrtpResult.Ok)
        {
            return 0;
        }
        try
        {
            Send(buffer.AsSpan(0, length));
            return 1;
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    private void SendCheck(string serverUfrag, string serverPwd)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.NewRandom());
        writer.AddUsername((serverUfrag + ":" + _ice.Ufrag).AsSpan());
        writer.AddPriority(1853824767);
        writer.AddIceControlling(7);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(Encoding.UTF8.GetBytes(serverPwd));
        writer.AddFingerprint();
        if (writer.TryComplete(out var length))
        {
            Send(buffer.AsSpan(0, length));
        }
    }

    private void Send(ReadOnlySpan<byte> datagram) => _socket.SendTo(datagram, SocketFlags.None, _server);

    private async Task ReceiveLoop()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            OnDatagram(buffer.AsSpan(0, n));
        }
    }

    private void OnDatagram(Span<byte> data)
    {
        switch (MediaPacketClassifier.Classify(data))
        {
            case MediaPacketKind.Stun:
                if (StunMessageReader.TryParse(data, out var reader) == StunParseResult.Success
                    && reader.Class == StunClass.SuccessResponse)
                {
                    _stunAnswered.TrySetResult();
                }
                break;
            case MediaPacketKind.Dtls:
                _dtls?.ProcessDatagram(data);
                break;
            case MediaPacketKind.Rtp:
                if (_srtp is { } srtp && srtp.UnprotectRtp(data, out var length) == SrtpResult.Ok && length >= 12)
                {
                    var ssrc = BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
                    var expected = data[1] & 0x7F;
                    var ok = (ssrc == _echoAudioSsrc && expected == 111 && length == AudioSize)
                        || (ssrc == _echoVideoSsrc && expected == 96 && length == VideoSize);
                    Interlocked.Increment(ref ok ? ref _received : ref _bad);
                }
                else
                {
                    Interlocked.Increment(ref _bad);
                }
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_receive is not null)
        {
            await _receive.ConfigureAwait(false);
        }
        _dtls?.Dispose();
        _srtp?.Dispose();
        _stop.Dispose();
    }
}
