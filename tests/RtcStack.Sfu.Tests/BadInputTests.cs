using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtcStack.Dtls;
using RtcStack.Sdp;

namespace RtcStack.Sfu.Tests;

/// <summary>Bad input against the live media port: dropped and counted, never fatal for the receive loop.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task Echo_rewrites_ssrc_and_drops_replayed_srtp()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        var server = new TaskCompletionSource<WebRtcTransport>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Media.BeforeKeysInstalled = t =>
        {
            server.TrySetResult(t);
            return Task.CompletedTask;
        };
        await using var peer = new LoopbackPeer();
        var answer = await host.Echo.AnswerAsync(peer.Offer(), CancellationToken.None);
        Assert.Equal(DtlsHandshakeResult.Connected, await peer.ConnectAsync(answer));
        // The peer is connected when it has our Finished; our keys are installed a little later on the handshake
        // worker (early SRTP would be kept, see EarlySrtpTests, but this test is about what follows): wait for them.
        var transport = await server.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(DtlsHandshakeResult.Connected, await transport.Connected.WaitAsync(TimeSpan.FromSeconds(60)));

        var packet = peer.ProtectedRtp(1000, 0xAB);
        peer.Send(packet);
        Assert.True(peer.Rtp.TryTake(out var echoed, 30_000), "no echo; counters: " + meters);
        Assert.Equal(peer.AnswerSsrc(0), BinaryPrimitives.ReadUInt32BigEndian(echoed.AsSpan(8)));
        Assert.Equal(96, echoed[1] & 0x7F);
        Assert.Equal(1000, BinaryPrimitives.ReadUInt16BigEndian(echoed.AsSpan(2)));
        Assert.All(echoed[12..112], b => Assert.Equal(0xAB, b));

        // RFC 3711 §3.3.2: a replayed packet is discarded (and counted), the next fresh one still echoes.
        peer.Send(packet);
        peer.Send(peer.ProtectedRtp(1001, 0xCD));
        Assert.True(peer.Rtp.TryTake(out var next, 30_000));
        Assert.Equal(1001, BinaryPrimitives.ReadUInt16BigEndian(next.AsSpan(2)));
        Assert.False(peer.Rtp.TryTake(out _, 300));
        Assert.True(meters.Get("rtcstack.sfu.packets.dropped reason=Replayed") >= 1, meters.ToString());

        // Tampered SRTP: authentication fails, dropped.
        var tampered = peer.ProtectedRtp(1002, 0x11);
        tampered[20] ^= 0xFF;
        peer.Send(tampered);
        // Truncated DTLS records and garbage from the authenticated address.
        peer.Send(new byte[] { 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 5, 0, 200, 1, 2, 3 });
        peer.Send(new byte[] { 22, 0xFE });
        peer.Send(new byte[] { 0x50, 1, 2, 3, 4 });
        peer.Send(new byte[] { 0x80 });
        peer.Send(peer.ProtectedRtp(1003, 0x22));
        Assert.True(peer.Rtp.TryTake(out var after, 30_000), "echo stopped after bad input; " + meters);
        Assert.Equal(1003, BinaryPrimitives.ReadUInt16BigEndian(after.AsSpan(2)));
        Assert.True(meters.Get("rtcstack.sfu.packets.dropped reason=AuthFailed") >= 1, meters.ToString());
        Assert.True(meters.Get("rtcstack.dtls.datagrams.dropped reason=malformed") >= 2, meters.ToString());
        Assert.Equal(DtlsState.Connected, peer.Dtls.State);
    }

    [Fact]
    public async Task Unauthenticated_sources_get_only_stun_answers()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        stranger.ReceiveTimeout = 500;
        var port = host.Media.LocalEndPoint;
        stranger.SendTo(new byte[] { 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 }, port);
        stranger.SendTo(new byte[] { 0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9, 9 }, port);
        stranger.SendTo(new byte[] { 0xFF, 0xFF, 0xFF }, port);
        var rng = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            var junk = new byte[rng.Next(1, 300)];
            rng.NextBytes(junk);
            stranger.SendTo(junk, port);
        }
        var buffer = new byte[2048];
        var replies = 0;
        try
        {
            while (replies < 1000)
            {
                stranger.Receive(buffer);
                replies++;
                Assert.True(buffer[0] <= 3, "non-STUN reply to an unauthenticated source");
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            // Nothing more came back.
        }
        // The receive loop may lag behind on a loaded machine: wait for it rather than reading the counter once.
        Assert.True(await meters.WaitAsync("rtcstack.ice.datagrams.dropped reason=unauthenticated", 2) >= 2, meters.ToString());

        // The port still works for a real peer afterwards.
        await using var peer = new LoopbackPeer();
        Assert.Equal(DtlsHandshakeResult.Connected, await peer.ConnectAsync(await host.Echo.AnswerAsync(peer.Offer(), CancellationToken.None)));
    }

    [Fact]
    public async Task Wrong_fingerprint_in_the_offer_fails_dtls()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        await using var peer = new LoopbackPeer();
        var other = DtlsCertificate.Generate();
        var answer = await host.Echo.AnswerAsync(peer.Offer(new FingerprintAttribute("sha-256", other.Sha256Fingerprint)), CancellationToken.None);
        Assert.NotEqual(DtlsHandshakeResult.Connected, await peer.ConnectAsync(answer));
        // Counted when the server's handshake ends, which may be after the peer saw it fail.
        Assert.True(await meters.WaitAsync("rtcstack.dtls.handshakes result=CertificateRejected", 1) >= 1, meters.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n")]
    public async Task Unusable_offers_are_rejected(string offer)
    {
        await using var host = await EchoHost.StartAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => host.Echo.AnswerAsync(offer, CancellationToken.None));
        Assert.Equal(0, host.Echo.ActiveSessions);
    }
}
