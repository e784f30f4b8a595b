using System.Collections.Concurrent;
using System.Net;
using System.Text;
using RtcStack.Stun;

namespace RtcStack.Ice.Tests;

public sealed class IceLiteServerTests : IAsyncLifetime
{
    private IceLiteServer _server = null!;

    public Task InitializeAsync()
    {
        _server = IceLiteServer.Start(new IPEndPoint(IPAddress.Loopback, 0),
            new IceServerOptions { ConsentTimeout = TimeSpan.FromSeconds(2), TickInterval = TimeSpan.FromMilliseconds(100) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Valid_check_gets_signed_success_with_xor_mapped_address()
    {
        using var transport = _server.CreateTransport();
        using var client = new IceTestClient(_server.LocalEndPoint);
        var creds = transport.LocalCredentials;
        var response = client.Check(creds.Ufrag + ":browser", creds.Pwd);
        Assert.NotNull(response);
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out var reader));
        Assert.Equal(StunClass.SuccessResponse, reader.Class);
        Assert.True(reader.VerifyMessageIntegrity(Encoding.UTF8.GetBytes(creds.Pwd)));
        Assert.True(reader.VerifyFingerprint());
        Assert.True(reader.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(TransportAddress.FromEndPoint(client.LocalEndPoint), mapped);
        Assert.Equal(IceState.Connected, transport.State);
        Assert.Equal(mapped, transport.SelectedRemote);
        Assert.Equal("browser", transport.RemoteUfrag);
        Assert.False(transport.Nominated);
    }

    [Fact]
    public void Use_candidate_nominates()
    {
        using var transport = _server.CreateTransport();
        using var client = new IceTestClient(_server.LocalEndPoint);
        Assert.NotNull(client.Check(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd, useCandidate: true));
        Assert.Equal(IceState.Completed, transport.State);
        Assert.True(transport.Nominated);
    }

    [Theory]
    [InlineData("wrong-password-wrong-password")]
    [InlineData(null)]
    public void Bad_integrity_gets_401_and_no_state(string? password)
    {
        using var transport = _server.CreateTransport();
        using var client = new IceTestClient(_server.LocalEndPoint);
        var response = client.Check(transport.LocalCredentials.Ufrag + ":b", password);
        AssertError(response, 401);
        Assert.Equal(IceState.New, transport.State);
    }

    [Fact]
    public void Unknown_ufrag_gets_401()
    {
        using var client = new IceTestClient(_server.LocalEndPoint);
        AssertError(client.Check("nobody:b", "0123456789012345678901"), 401);
    }

    [Theory]
    [InlineData("browserB", false)]  // another peer, or an earlier ICE generation
    [InlineData("browse", false)]    // a prefix is not the ufrag
    [InlineData("BROWSERA", false)]  // ufrags compare case-sensitively
    [InlineData("browserA", true)]
    public void Remote_ufrag_must_match_the_sdp_once_known(string remoteUfrag, bool accepted)
    {
        using var transport = _server.CreateTransport();
        transport.ExpectedRemoteUfrag = "browserA";
        using var client = new IceTestClient(_server.LocalEndPoint);
        var creds = transport.LocalCredentials;
        var response = client.Check(creds.Ufrag + ":" + remoteUfrag, creds.Pwd, useCandidate: true);
        if (accepted)
        {
            Assert.NotNull(response);
            Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out var reader));
            Assert.Equal(StunClass.SuccessResponse, reader.Class);
            Assert.Equal(IceState.Completed, transport.State);
            Assert.Equal("browserA", transport.RemoteUfrag);
        }
        else
        {
            AssertError(response, 401);
            Assert.Equal(IceState.New, transport.State);
            Assert.Null(transport.SelectedRemote);
            Assert.Null(transport.RemoteUfrag);
        }
    }

    [Fact]
    public void Remote_ufrag_is_not_checked_while_unknown_and_follows_an_ice_restart()
    {
        using var transport = _server.CreateTransport();
        using var client = new IceTestClient(_server.LocalEndPoint);
        var creds = transport.LocalCredentials;
        Assert.NotNull(client.Check(creds.Ufrag + ":anything", creds.Pwd)); // no SDP ufrag yet: accepted
        Assert.Equal(IceState.Connected, transport.State);

        transport.ExpectedRemoteUfrag = "second";                          // the peer restarted ICE
        AssertError(client.Check(creds.Ufrag + ":anything", creds.Pwd), 401);
        var response = client.Check(creds.Ufrag + ":second", creds.Pwd);
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out var reader));
        Assert.Equal(StunClass.SuccessResponse, reader.Class);
        Assert.Equal("second", transport.RemoteUfrag);
    }

    [Fact]
    public void Username_without_colon_gets_400()
    {
        using var transport = _server.CreateTransport();
        using var client = new IceTestClient(_server.LocalEndPoint);
        AssertError(client.Check(transport.LocalCredentials.Ufrag, transport.LocalCredentials.Pwd), 400);
    }

    [Fact]
    public void Check_without_fingerprint_is_dropped()
    {
        using var transport = _server.CreateTransport();
        using var client = new IceTestClient(_server.LocalEndPoint);
        Assert.Null(client.Check(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd, fingerprint: false, timeoutMs: 500));
    }

    [Fact]
    public void Only_authenticated_sources_are_heard_and_packets_are_classified()
    {
        using var transport = _server.CreateTransport();
        var received = new BlockingCollection<(MediaPacketKind, byte[])>();
        transport.PacketReceived = (kind, data) => received.Add((kind, data.ToArray()));
        using var client = new IceTestClient(_server.LocalEndPoint);
        byte[] dtls = [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] rtp = [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9];
        byte[] rtcp = [0x80, 200, 0, 6, 0, 0, 0, 9];
        client.Send(dtls);
        client.Send(rtp);
        Assert.False(received.TryTake(out _, 300));
        Assert.NotNull(client.Check(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd));
        client.Send([0x55, 1, 2, 3]); // garbage: dropped
        client.Send(dtls);
        client.Send(rtp);
        client.Send(rtcp);
        Assert.True(received.TryTake(out var a, 30_000));
        Assert.True(received.TryTake(out var b, 30_000));
        Assert.True(received.TryTake(out var c, 30_000));
        Assert.Equal([MediaPacketKind.Dtls, MediaPacketKind.Rtp, MediaPacketKind.Rtcp], [a.Item1, b.Item1, c.Item1]);
        Assert.Equal(rtp, b.Item2);
    }

    [Fact]
    public void Transport_sends_to_the_validated_address()
    {
        using var transport = _server.CreateTransport();
        using var client = new IceTestClient(_server.LocalEndPoint);
        Assert.False(transport.Send([1, 2, 3]));
        Assert.NotNull(client.Check(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd));
        Assert.True(transport.Send([0x80, 1, 2, 3]));
        Assert.Equal([0x80, 1, 2, 3], client.Receive());
    }

    [Fact]
    public void A_throwing_handler_does_not_stop_the_receive_loop()
    {
        using var transport = _server.CreateTransport();
        transport.PacketReceived = (_, _) => throw new InvalidOperationException("bug");
        using var client = new IceTestClient(_server.LocalEndPoint);
        Assert.NotNull(client.Check(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd));
        client.Send([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9]);
        Assert.NotNull(client.Check(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd));
    }

    [Fact]
    public async Task Consent_expires_without_checks()
    {
        using var transport = _server.CreateTransport();
        var disconnected = new TaskCompletionSource();
        transport.StateChanged += (_, s) => { if (s == IceState.Disconnected) { disconnected.TrySetResult(); } };
        using var client = new IceTestClient(_server.LocalEndPoint);
        Assert.NotNull(client.Check(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd));
        await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(transport.Send([1]));
        Assert.NotNull(client.Check(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd));
        Assert.Equal(IceState.Connected, transport.State);
    }

    [Fact]
    public void Ice_restart_switches_credentials()
    {
        using var transport = _server.CreateTransport();
        using var client = new IceTestClient(_server.LocalEndPoint);
        var old = transport.LocalCredentials;
        Assert.NotNull(client.Check(old.Ufrag + ":b", old.Pwd));
        var fresh = IceCredentials.Generate();
        transport.Restart(fresh);
        AssertError(client.Check(old.Ufrag + ":b", old.Pwd), 401);
        Assert.True(transport.Send([0x80, 0]));
        Assert.Equal([0x80, 0], client.Receive());
        var response = client.Check(fresh.Ufrag + ":b2", fresh.Pwd);
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out var r));
        Assert.Equal(StunClass.SuccessResponse, r.Class);
        Assert.Equal("b2", transport.RemoteUfrag);
    }

    [Fact]
    public void Closed_transport_no_longer_answers()
    {
        var transport = _server.CreateTransport();
        var creds = transport.LocalCredentials;
        transport.Dispose();
        using var client = new IceTestClient(_server.LocalEndPoint);
        AssertError(client.Check(creds.Ufrag + ":b", creds.Pwd), 401);
        Assert.Equal(IceState.Closed, transport.State);
    }

    private static void AssertError(byte[]? response, int code)
    {
        Assert.NotNull(response);
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out var reader));
        Assert.Equal(StunClass.ErrorResponse, reader.Class);
        Assert.True(reader.TryGetErrorCode(out var actual, out _));
        Assert.Equal(code, actual);
        Assert.True(reader.VerifyFingerprint());
    }
}
