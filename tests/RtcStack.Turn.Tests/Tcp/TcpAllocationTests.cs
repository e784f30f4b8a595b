using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>RFC 6062 TCP allocations over real sockets on 127.0.0.1: Connect, ConnectionAttempt, ConnectionBind, relay, close, limits.</summary>
public sealed class TcpAllocationTests
{
    private static Task<TurnServer> StartAsync(Action<TurnOptions>? configure = null) =>
        TcpTestServer.StartAsync(46000, o =>
        {
            o.Users["bob"] = "bob-pw";
            configure?.Invoke(o);
        });

    [Fact]
    public async Task Connect_then_ConnectionBind_relays_both_ways_from_the_relayed_address()
    {
        await using TurnServer server = await StartAsync();
        await using var peer = new TcpEchoPeer();
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));

        byte[] connected = await client.ConnectPeerAsync(peer.EndPoint);
        Assert.Equal(0, Answer.ErrorCode(connected));
        Assert.True(peer.Accepted.TryTake(out TcpClient? accepted, TimeSpan.FromSeconds(10)));
        // RFC 6062 §5.2: the connection comes from the relayed transport address.
        Assert.Equal(client.Relayed.ToEndPoint(), (IPEndPoint)accepted.Client.RemoteEndPoint!);

        (TcpClient data, byte[] bound) = await client.BindAsync(TcpTurnClient.ConnectionId(connected));
        using (data)
        {
            Assert.Equal(0, Answer.ErrorCode(bound));
            byte[] payload = new byte[1 << 20];
            Random.Shared.NextBytes(payload);
            NetworkStream stream = data.GetStream();
            Task write = stream.WriteAsync(payload).AsTask();
            byte[] echoed = new byte[payload.Length];
            await stream.ReadExactlyAsync(echoed).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            await write;
            Assert.Equal(payload, echoed);
            Assert.Equal(1, server.State!.Metrics.TcpActive);
            Assert.True(server.State.Metrics.TcpBytesToPeer >= payload.Length);
            Assert.True(server.State.Metrics.TcpBytesToClient >= payload.Length);

            // Client half-closes: the echo peer sees the end, closes, and the client data connection ends.
            data.Client.Shutdown(SocketShutdown.Send);
            Assert.True(await TcpTurnClient.EndsAsync(stream));
        }
        await WaitUntil(() => server.State.Metrics.TcpActive == 0);
    }

    [Fact]
    public async Task Inbound_peer_needs_a_permission_then_gets_ConnectionAttempt_and_relays()
    {
        await using TurnServer server = await StartAsync();
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        IPEndPoint relayed = client.Relayed.ToEndPoint();

        // No permission: the connection is closed and the client hears nothing.
        using (var refused = new TcpClient())
        {
            await refused.ConnectAsync(relayed);
            Assert.True(await TcpTurnClient.EndsAsync(refused.GetStream()));
        }
        Assert.Equal(0, Answer.ErrorCode(await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 0))));

        using var peer = new TcpClient(AddressFamily.InterNetwork);
        await peer.ConnectAsync(relayed);
        byte[] early = [1, 2, 3, 4, 5];
        await peer.GetStream().WriteAsync(early); // sent before the bind: buffered, then delivered
        byte[] attempt = await client.NextIndicationAsync();
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(attempt, out StunMessageReader r));
        Assert.Equal(StunMethod.ConnectionAttempt, r.Method);
        Assert.True(r.TryGetXorPeerAddress(out TransportAddress from));
        Assert.Equal((IPEndPoint)peer.Client.LocalEndPoint!, from.ToEndPoint());

        (TcpClient data, byte[] bound) = await client.BindAsync(TcpTurnClient.ConnectionId(attempt));
        using (data)
        {
            Assert.Equal(0, Answer.ErrorCode(bound));
            byte[] got = new byte[early.Length];
            await data.GetStream().ReadExactlyAsync(got);
            Assert.Equal(early, got);
            await data.GetStream().WriteAsync(new byte[] { 9, 8, 7 });
            byte[] back = new byte[3];
            await peer.GetStream().ReadExactlyAsync(back);
            Assert.Equal(new byte[] { 9, 8, 7 }, back);
            // The peer closes: the client data connection ends after the last byte.
            peer.Client.Shutdown(SocketShutdown.Send);
            Assert.True(await TcpTurnClient.EndsAsync(data.GetStream()));
        }
    }

    [Fact]
    public async Task Inbound_peers_beyond_the_connection_limit_are_closed()
    {
        await using TurnServer server = await StartAsync(o => o.MaxTcpConnectionsPerAllocation = 1);
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        Assert.Equal(0, Answer.ErrorCode(await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 0))));
        using var first = new TcpClient(AddressFamily.InterNetwork);
        await first.ConnectAsync(client.Relayed.ToEndPoint());
        byte[] attempt = await client.NextIndicationAsync();
        Assert.True(TcpTurnClient.IsIndication(attempt));
        using var second = new TcpClient(AddressFamily.InterNetwork);
        await second.ConnectAsync(client.Relayed.ToEndPoint());
        Assert.True(await TcpTurnClient.EndsAsync(second.GetStream()));
        Assert.Equal(1, server.State!.Metrics.TcpActive);
    }

    [Fact]
    public async Task Connect_errors_policy_failure_duplicate_limit_and_timeout()
    {
        await using TurnServer server = await StartAsync(o =>
        {
            o.TcpConnectTimeout = TimeSpan.FromSeconds(5);
            o.MaxTcpConnectionsPerAllocation = 2;
        });
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));

        // Policy: a private address is denied (403); the server's own listener too.
        Assert.Equal(403, Answer.ErrorCode(await client.ConnectPeerAsync(IPEndPoint.Parse("10.1.2.3:80"))));
        Assert.Equal(403, Answer.ErrorCode(await client.ConnectPeerAsync(server.TcpEndPoints[0])));
        // Nothing listens: refused at once (447).
        using (Socket closed = TcpRelayConnectTests.BoundNotListening())
        {
            Assert.Equal(447, Answer.ErrorCode(await client.ConnectPeerAsync((IPEndPoint)closed.LocalEndPoint!)));
        }

        // A listener whose accept queue is full drops SYNs: the first Connect waits, a second to it is 446, then 447.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var fillers = new List<Socket>();
        for (int i = 0; i < 3; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            fillers.Add(s);
            _ = s.ConnectAsync(full.LocalEndPoint!).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        await Task.Delay(300);
        byte[] first = client.Credentials.Build(StunMethod.Connect, (ref StunMessageWriter w) => w.AddXorPeerAddress(TransportAddress.FromEndPoint((IPEndPoint)full.LocalEndPoint!)));
        await client.Control.WriteAsync(first);
        Assert.Equal(446, Answer.ErrorCode(await client.ConnectPeerAsync((IPEndPoint)full.LocalEndPoint!)));
        await using var peer = new TcpEchoPeer();
        // Limit 2: the pending Connect and this one fill it.
        Assert.Equal(0, Answer.ErrorCode(await client.ConnectPeerAsync(peer.EndPoint)));
        var other = new TcpEchoPeer();
        await using (other)
        {
            Assert.Equal(508, Answer.ErrorCode(await client.ConnectPeerAsync(other.EndPoint)));
        }
        // The timeout (5 s) aborts the handshake (on Linux x64 on the relay loop's epoll) and the client gets 447.
        Assert.True(!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64 || TcpRelayLoop.Shared is not null);
        Assert.Equal(447, Answer.ErrorCode(await client.ResponseAsync(first)));
        fillers.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Unbound_connection_is_closed_after_the_bind_timeout_and_cannot_be_bound_later()
    {
        await using TurnServer server = await StartAsync(o => o.TcpBindTimeout = TimeSpan.FromSeconds(1));
        await using var peer = new TcpEchoPeer(echo: false);
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        byte[] connected = await client.ConnectPeerAsync(peer.EndPoint);
        Assert.Equal(0, Answer.ErrorCode(connected));
        Assert.True(peer.Accepted.TryTake(out TcpClient? accepted, TimeSpan.FromSeconds(10)));
        Assert.True(await TcpTurnClient.EndsAsync(accepted.GetStream()));
        (TcpClient data, byte[] bound) = await client.BindAsync(TcpTurnClient.ConnectionId(connected));
        data.Dispose();
        Assert.Equal(400, Answer.ErrorCode(bound));
        await WaitUntil(() => server.State!.Metrics.TcpActive == 0);
    }

    [Fact]
    public async Task ConnectionBind_is_refused_for_unknown_ids_other_users_and_bound_connections()
    {
        await using TurnServer server = await StartAsync();
        await using var peer = new TcpEchoPeer();
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        (TcpClient unknown, byte[] a) = await client.BindAsync(12345);
        unknown.Dispose();
        Assert.Equal(400, Answer.ErrorCode(a));

        uint id = TcpTurnClient.ConnectionId(await client.ConnectPeerAsync(peer.EndPoint));
        var bob = new TestClient("bob", "bob-pw") { Nonce = client.Credentials.Nonce };
        (TcpClient wrongUser, byte[] b) = await client.BindAsync(id, bob);
        wrongUser.Dispose();
        Assert.Equal(441, Answer.ErrorCode(b));

        (TcpClient data, byte[] c) = await client.BindAsync(id);
        using (data)
        {
            Assert.Equal(0, Answer.ErrorCode(c));
            (TcpClient again, byte[] d) = await client.BindAsync(id);
            again.Dispose();
            Assert.Equal(400, Answer.ErrorCode(d));
        }
        // ChannelBind has no meaning on a TCP allocation.
        Assert.Equal(400, Answer.ErrorCode(await client.RequestAsync(client.Credentials.Build(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddChannelNumber(0x4000);
            w.AddXorPeerAddress(TransportAddress.FromEndPoint(peer.EndPoint));
        }))));
    }

    [Fact]
    public async Task Closing_the_control_connection_closes_the_allocation_and_its_data_connections()
    {
        await using TurnServer server = await StartAsync();
        await using var peer = new TcpEchoPeer();
        TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        (TcpClient data, byte[] bound) = await client.BindAsync(TcpTurnClient.ConnectionId(await client.ConnectPeerAsync(peer.EndPoint)));
        using (data)
        {
            Assert.Equal(0, Answer.ErrorCode(bound));
            Assert.True(peer.Accepted.TryTake(out TcpClient? accepted, TimeSpan.FromSeconds(10)));
            NetworkStream dataStream = data.GetStream(), peerStream = accepted.GetStream();
            await client.DisposeAsync();
            Assert.True(await TcpTurnClient.EndsAsync(dataStream));
            Assert.True(await TcpTurnClient.EndsAsync(peerStream));
        }
        await WaitUntil(() => server.ActiveAllocations == 0 && server.State!.Metrics.TcpActive == 0);
    }

    [Fact]
    public async Task Tcp_allocation_over_udp_is_a_bad_request()
    {
        await using var h = new TestHarness();
        var c = new TestClient();
        c.Challenge(h, h.Tuple());
        Assert.Equal(400, Answer.ErrorCode(h.Send(c.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddRequestedTransport(6)))));
        Assert.Equal(0, h.Server.ActiveAllocations);
    }

    [Fact]
    public async Task No_tcp_relay_refuses_tcp_allocations_with_442_and_no_udp_relay_refuses_udp_with_403()
    {
        await using (TurnServer server = await StartAsync(o => o.EnableTcpRelay = false))
        {
            await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
            Assert.Equal(442, Answer.ErrorCode(await client.AllocateAsync()));
        }
        await using (TurnServer server = await StartAsync(o => o.EnableUdpRelay = false))
        {
            await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
            Assert.Equal(403, Answer.ErrorCode(await client.AllocateAsync(protocol: 17)));
        }
    }

    [Fact]
    public async Task Connect_on_a_udp_allocation_and_ConnectionBind_over_udp_are_bad_requests()
    {
        await using var h = new TestHarness();
        var c = new TestClient();
        FiveTuple tuple = h.Tuple();
        c.Challenge(h, tuple);
        Assert.Equal(0, Answer.ErrorCode(h.Send(c.Build(StunMethod.Allocate, TestClient.RequestUdp), tuple)));
        byte[] connect = c.Build(StunMethod.Connect, (ref StunMessageWriter w) => w.AddXorPeerAddress(TransportAddress.FromEndPoint(IPEndPoint.Parse("127.0.0.1:9"))));
        Assert.Equal(400, Answer.ErrorCode(h.Send(connect, tuple)));
        Assert.Equal(400, Answer.ErrorCode(h.Send(c.Build(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.AddConnectionId(1)), h.Tuple(40001))));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(condition());
    }
}
