using System.Collections.Concurrent;

namespace RtcStack.Dtls.Tests;

public sealed class DtlsSessionTests
{
    [Theory]
    [InlineData(DtlsSrtpProfile.AeadAes128Gcm, 16, 12)]
    [InlineData(DtlsSrtpProfile.Aes128CmHmacSha1_80, 16, 14)]
    public async Task Client_and_server_agree_on_profile_and_keys(DtlsSrtpProfile profile, int keyLength, int saltLength)
    {
        var options = new DtlsOptions { SrtpProfiles = [profile] };
        await using var pair = new InMemoryDtlsPair(new DtlsOptions(), options);
        var (client, server) = await pair.HandshakeAsync();
        Assert.Equal((DtlsHandshakeResult.Connected, DtlsHandshakeResult.Connected), (client, server));
        var c = pair.Client.Keys!;
        var s = pair.Server.Keys!;
        Assert.Equal(profile, c.Profile);
        Assert.Equal(profile, s.Profile);
        Assert.Equal(keyLength, c.LocalMasterKey.Length);
        Assert.Equal(saltLength, c.LocalMasterSalt.Length);
        Assert.True(c.LocalMasterKey.Span.SequenceEqual(s.RemoteMasterKey.Span));
        Assert.True(c.LocalMasterSalt.Span.SequenceEqual(s.RemoteMasterSalt.Span));
        Assert.True(s.LocalMasterKey.Span.SequenceEqual(c.RemoteMasterKey.Span));
        Assert.True(s.LocalMasterSalt.Span.SequenceEqual(c.RemoteMasterSalt.Span));
        Assert.False(c.LocalMasterKey.Span.SequenceEqual(c.RemoteMasterKey.Span));
        Assert.Equal(DtlsState.Connected, pair.Server.State);
    }

    [Fact]
    public async Task Server_prefers_gcm_when_both_are_offered()
    {
        await using var pair = new InMemoryDtlsPair();
        await pair.HandshakeAsync();
        Assert.Equal(DtlsSrtpProfile.AeadAes128Gcm, pair.Server.Keys!.Profile);
    }

    [Fact]
    public async Task Application_data_flows_both_ways_without_a_receive_thread()
    {
        await using var pair = new InMemoryDtlsPair();
        var atServer = new BlockingCollection<byte[]>();
        var atClient = new BlockingCollection<byte[]>();
        pair.Server.ApplicationDataReceived = d => atServer.Add(d.ToArray());
        pair.Client.ApplicationDataReceived = d => atClient.Add(d.ToArray());
        await pair.HandshakeAsync();
        Assert.InRange(pair.Server.ApplicationSendLimit, 1100, 1200);
        var sizes = new[] { 0, 1, 44, 500, pair.Client.ApplicationSendLimit };
        foreach (var size in sizes)
        {
            var payload = Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray();
            Assert.True(pair.Client.SendApplicationData(payload));
            Assert.True(atServer.TryTake(out var got, TimeSpan.FromSeconds(30)));
            Assert.Equal(payload, got);
            Assert.True(pair.Server.SendApplicationData(got));
            Assert.True(atClient.TryTake(out var back, TimeSpan.FromSeconds(30)));
            Assert.Equal(payload, back);
        }
        Assert.False(pair.Client.SendApplicationData(new byte[pair.Client.ApplicationSendLimit + 1]));
    }

    [Fact]
    public async Task Wrong_fingerprint_is_rejected()
    {
        await using var pair = new InMemoryDtlsPair(wrongFingerprint: true);
        var (client, server) = await pair.HandshakeAsync();
        Assert.Equal(DtlsHandshakeResult.CertificateRejected, server);
        Assert.NotEqual(DtlsHandshakeResult.Connected, client);
        Assert.Null(pair.Server.Keys);
        Assert.Equal(DtlsState.Failed, pair.Server.State);
    }

    [Fact]
    public async Task No_common_srtp_profile_fails_the_handshake()
    {
        await using var pair = new InMemoryDtlsPair(
            new DtlsOptions { SrtpProfiles = [DtlsSrtpProfile.Aes128CmHmacSha1_80] },
            new DtlsOptions { SrtpProfiles = [DtlsSrtpProfile.AeadAes128Gcm] });
        var (client, server) = await pair.HandshakeAsync();
        Assert.Equal(DtlsHandshakeResult.NoCommonProfile, server);
        Assert.NotEqual(DtlsHandshakeResult.Connected, client);
    }

    [Fact]
    public async Task Lost_flights_are_retransmitted()
    {
        // Drop the first ClientHello and the first copy of the server's flight.
        await using var pair = new InMemoryDtlsPair(
            new DtlsOptions { InitialRetransmitTimeout = TimeSpan.FromMilliseconds(100) },
            new DtlsOptions { InitialRetransmitTimeout = TimeSpan.FromMilliseconds(100) },
            drop: n => n is 1 or 3);
        var (client, server) = await pair.HandshakeAsync();
        Assert.Equal((DtlsHandshakeResult.Connected, DtlsHandshakeResult.Connected), (client, server));
    }

    [Fact]
    public async Task Handshake_times_out_without_a_peer()
    {
        using var session = new DtlsSession(DtlsRole.Client, DtlsCertificate.Generate(), _ => true, _ => { },
            new DtlsOptions { HandshakeTimeout = TimeSpan.FromSeconds(1), InitialRetransmitTimeout = TimeSpan.FromMilliseconds(200) });
        Assert.Equal(DtlsHandshakeResult.Timeout, await session.HandshakeAsync());
        Assert.Equal(DtlsState.Failed, session.State);
    }

    [Fact]
    public async Task A_server_that_never_hears_a_client_gives_up()
    {
        using var session = new DtlsSession(DtlsRole.Server, DtlsCertificate.Generate(), _ => true, _ => { },
            new DtlsOptions { HandshakeTimeout = TimeSpan.FromSeconds(1) });
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await session.HandshakeAsync(guard.Token);
        Assert.NotEqual(DtlsHandshakeResult.Connected, result);
        Assert.False(guard.IsCancellationRequested, "the handshake timeout did not apply before the ClientHello");
    }

    [Fact]
    public async Task Cancellation_stops_a_waiting_server()
    {
        using var session = new DtlsSession(DtlsRole.Server, DtlsCertificate.Generate(), _ => true, _ => { });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Assert.Equal(DtlsHandshakeResult.Cancelled, await session.HandshakeAsync(cts.Token));
    }

    [Fact]
    public async Task Truncated_and_garbage_datagrams_are_dropped_and_the_session_survives()
    {
        await using var pair = new InMemoryDtlsPair();
        var received = new BlockingCollection<byte[]>();
        pair.Server.ApplicationDataReceived = d => received.Add(d.ToArray());
        await pair.HandshakeAsync();
        Assert.False(pair.Server.ProcessDatagram([23, 0xFE, 0xFD, 0, 1]));
        Assert.False(pair.Server.ProcessDatagram([23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 100, 1, 2, 3]));
        Assert.False(pair.Server.ProcessDatagram([99, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 0]));
        Assert.False(pair.Server.ProcessDatagram([]));
        // A well-formed header with a forged ciphertext is discarded by BouncyCastle (bad_record_mac ignored).
        var forged = new byte[13 + 40];
        forged[0] = 23; forged[1] = 0xFE; forged[2] = 0xFD; forged[4] = 1; forged[10] = 50; forged[12] = 40;
        pair.Server.ProcessDatagram(forged);
        Assert.Equal(DtlsState.Connected, pair.Server.State);
        Assert.True(pair.Client.SendApplicationData([1, 2, 3]));
        Assert.True(received.TryTake(out var got, TimeSpan.FromSeconds(30)));
        Assert.Equal([1, 2, 3], got);
    }

    [Fact]
    public async Task Handshake_cannot_start_twice()
    {
        using var session = new DtlsSession(DtlsRole.Server, DtlsCertificate.Generate(), _ => true, _ => { });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var first = session.HandshakeAsync(cts.Token);
        await Assert.ThrowsAsync<InvalidOperationException>(() => session.HandshakeAsync());
        await first;
    }
}
