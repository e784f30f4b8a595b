using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// An RFC 6062 allocation's relay closed at awkward moments, over a real server and loopback sockets: closed before it
/// started (the allocation went between being published and <see cref="TcpRelay.Start"/>), a peer handed over after
/// the close, and closes that overlap. Relay ports 31000-31999: below Linux's ephemeral range, so no client socket of
/// another test holds one.
/// </summary>
public sealed class TcpRelayDisposeTests
{
    private const int MinPort = 31000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_relay_closed_before_it_started_starts_as_nothing_and_accepts_nothing()
    {
        await using TurnServer server = await TcpTestServer.StartAsync(MinPort);
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        (Allocation allocation, TcpRelay tcp) = Single(server);
        Assert.Equal(TcpRelayLoop.Shared is not null, tcp.AcceptsOnLoop);

        await tcp.DisposeAsync();
        tcp.Start(allocation, server.State!); // the gap of AllocateHandler: no exception, no registration of a closed descriptor

        using var late = new TcpClient(AddressFamily.InterNetwork);
        await Assert.ThrowsAnyAsync<SocketException>(() => late.ConnectAsync(client.Relayed.ToEndPoint()));
    }

    [Fact]
    public async Task A_peer_handed_over_after_the_close_is_closed_and_not_counted()
    {
        await using TurnServer server = await TcpTestServer.StartAsync(MinPort);
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        Assert.Equal(0, Answer.ErrorCode(await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 0))));
        (_, TcpRelay tcp) = Single(server);
        await tcp.DisposeAsync();

        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return; // not Linux x64: no descriptor hand-off
        }
        using (loop)
        using (var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            listener.Blocking = false;
            var handOff = new HandOff();
            var accept = new TcpRelayAccept((int)listener.SafeHandle.DangerousGetHandle(), handOff);
            Assert.True(loop.TryListen(accept));
            using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = (int)Patience.TotalMilliseconds };
            peer.Connect(listener.LocalEndPoint!);
            DateTime end = DateTime.UtcNow + Patience;
            int fd;
            while (!handOff.Fds.TryPeek(out fd))
            {
                Assert.True(DateTime.UtcNow < end, "not accepted in time");
                _ = loop.PollOnce(20);
            }
            loop.Unlisten(accept);

            tcp.Accepted(fd, TransportAddress.FromEndPoint((IPEndPoint)peer.LocalEndPoint!)); // as the loop hands a peer over

            Assert.Equal(0, peer.Receive(new byte[1])); // closed: the peer reads the end
        }
        Assert.Equal(0, server.State!.Metrics.TcpActive);
        Assert.Equal(0, server.State.TcpConnections.Count);
    }

    [Fact]
    public async Task Overlapping_closes_give_the_port_back_once()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var pool = new RelayPortPool(IPAddress.Loopback, MinPort + 900, MinPort + 900); // one port
        for (int round = 0; round < 20; round++)
        {
            var tcp = new TcpRelay(pool.TryBindTcp() ?? throw new InvalidOperationException("port busy"), pool);
            using var go = new ManualResetEventSlim();
            Task[] closes = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                go.Wait();
                await tcp.DisposeAsync();
            }))];
            go.Set();
            await Task.WhenAll(closes).WaitAsync(Patience);
            Assert.Equal(0, pool.InUse);

            using Socket? again = pool.TryBindTcp(); // the port taken again ...
            Assert.NotNull(again);
            await tcp.DisposeAsync(); // ... is not given back by a late close of its previous relay
            Assert.Equal(1, pool.InUse);
            pool.Release(MinPort + 900);
        }
    }

    /// <summary>Keeps the descriptors the loop accepted (the test hands them on).</summary>
    private sealed class HandOff : ITcpRelayAcceptor
    {
        internal System.Collections.Concurrent.ConcurrentQueue<int> Fds { get; } = new();

        public void Accepted(int fd, TransportAddress peer) => Fds.Enqueue(fd);

        public void AcceptExhausted(int errno) => Assert.Fail($"exhausted: {errno}");
    }

    private static (Allocation Allocation, TcpRelay Tcp) Single(TurnServer server)
    {
        Allocation allocation = server.State!.Allocations.All.Single();
        return (allocation, allocation.Tcp ?? throw new InvalidOperationException("not a TCP allocation"));
    }
}
