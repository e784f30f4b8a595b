using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// RFC 6062 §5.3 peers accepted on the relay loop's epoll (Linux x64), over real loopback sockets: first the loop
/// alone, driven on the test's thread with a recording owner, then through a server (ConnectionAttempt per peer,
/// closing the allocation closes the listener and the pending peers, no descriptor left open).
/// </summary>
public sealed class TcpRelayAcceptTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void Every_peer_is_accepted_with_its_address_as_a_non_blocking_close_on_exec_descriptor()
    {
        using RelayLoopRig? rig = RelayLoopRig.Create();
        if (rig is null)
        {
            return; // not Linux x64: peers are accepted by an async accept loop instead
        }
        (Socket listener, RecordingAcceptor owner, _) = rig.Listen();
        var peers = new List<Socket>();
        try
        {
            for (int i = 0; i < 40; i++)
            {
                var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                peers.Add(peer);
                peer.Connect(listener.LocalEndPoint!); // the kernel completes the handshake; accept comes later
            }
            rig.PumpUntil(() => owner.Count == 40);
            Assert.True(peers.Select(p => TransportAddress.FromEndPoint((IPEndPoint)p.LocalEndPoint!)).ToHashSet()
                .SetEquals(owner.Snapshot().Select(a => a.Peer)));
            foreach ((int fd, _) in owner.Snapshot())
            {
                long flags = Flags(fd);
                Assert.True((flags & 0x800) != 0, "O_NONBLOCK");
                Assert.True((flags & 0x80000) != 0, "O_CLOEXEC");
            }
            // the accepted descriptors are the peers' connections
            (int first, TransportAddress from) = owner.Snapshot()[0];
            owner.Kept = first;
            using var accepted = new Socket(new SafeSocketHandle(first, ownsHandle: true));
            Socket sender = peers.Single(p => TransportAddress.FromEndPoint((IPEndPoint)p.LocalEndPoint!) == from);
            sender.Send([1, 2, 3]);
            byte[] got = new byte[3];
            accepted.Blocking = true;
            accepted.ReceiveTimeout = (int)Patience.TotalMilliseconds;
            Assert.Equal(3, accepted.Receive(got));
            Assert.Equal(new byte[] { 1, 2, 3 }, got);
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public void A_peer_that_resets_before_it_is_accepted_does_not_stop_the_next_one()
    {
        using RelayLoopRig? rig = RelayLoopRig.Create();
        if (rig is null)
        {
            return;
        }
        (Socket listener, RecordingAcceptor owner, _) = rig.Listen();
        using (var reset = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            reset.LingerState = new LingerOption(true, 0);
            reset.Connect(listener.LocalEndPoint!);
        } // RST while it waits in the backlog
        using var next = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        next.Connect(listener.LocalEndPoint!);
        var expected = TransportAddress.FromEndPoint((IPEndPoint)next.LocalEndPoint!);
        rig.PumpUntil(() => owner.Snapshot().Any(a => a.Peer == expected));
        Assert.InRange(owner.Count, 1, 2); // the reset one is accepted (and then reads a reset) or dropped by the kernel
    }

    [Fact]
    public void After_Unlisten_nothing_is_accepted_and_a_drain_does_nothing()
    {
        using RelayLoopRig? rig = RelayLoopRig.Create();
        if (rig is null)
        {
            return;
        }
        TcpRelayLoop loop = rig.Loop;
        (Socket listener, RecordingAcceptor owner, TcpRelayAccept accept) = rig.Listen();
        using var before = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        before.Connect(listener.LocalEndPoint!);
        rig.PumpUntil(() => owner.Count == 1);

        loop.Unlisten(accept);
        using var after = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        after.Connect(listener.LocalEndPoint!); // waits in the backlog
        for (int i = 0; i < 5; i++)
        {
            _ = loop.PollOnce(50);
        }
        Assert.Equal(0, accept.Drain(out bool more));
        Assert.False(more);
        Thread.Sleep(100); // a wrongly queued hand-off would have run by now
        Assert.Equal(1, owner.Count);
    }

    [Fact]
    public async Task Many_peers_each_get_a_ConnectionAttempt_and_closing_the_allocation_closes_them_and_the_listener()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // descriptors are counted through /proc
        }
        await using TurnServer server = await TcpTestServer.StartAsync(30000);
        TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        var peers = new List<TcpClient>();
        try
        {
            Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
            AssertAcceptsOnLoop(server);
            Assert.Equal(0, Answer.ErrorCode(await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 0))));
            IPEndPoint relayed = client.Relayed.ToEndPoint();
            for (int i = 0; i < 20; i++)
            {
                var peer = new TcpClient(AddressFamily.InterNetwork);
                peers.Add(peer);
                await peer.ConnectAsync(relayed);
            }
            var ids = new HashSet<uint>();
            var from = new HashSet<TransportAddress>();
            for (int i = 0; i < peers.Count; i++)
            {
                byte[] attempt = await client.NextIndicationAsync();
                Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(attempt, out StunMessageReader r));
                Assert.Equal(StunMethod.ConnectionAttempt, r.Method);
                Assert.True(r.TryGetXorPeerAddress(out TransportAddress address));
                Assert.True(from.Add(address));
                Assert.True(ids.Add(TcpTurnClient.ConnectionId(attempt)));
            }
            Assert.True(peers.Select(p => TransportAddress.FromEndPoint((IPEndPoint)p.Client.LocalEndPoint!)).ToHashSet().SetEquals(from));
            await WaitUntil(() => server.State!.Metrics.TcpActive == 20);
            Assert.NotEmpty(ServerSocketsOn(relayed.Port));

            await client.DisposeAsync(); // the control connection closes: the allocation and its pending peers go
            foreach (TcpClient peer in peers)
            {
                Assert.True(await TcpTurnClient.EndsAsync(peer.GetStream()));
            }
            await WaitUntil(() => server.ActiveAllocations == 0 && server.State!.Metrics.TcpActive == 0);
            await WaitUntil(() => ServerSocketsOn(relayed.Port).Count == 0); // listener and accepted sockets all closed
            using var late = new TcpClient(AddressFamily.InterNetwork);
            await Assert.ThrowsAnyAsync<SocketException>(() => late.ConnectAsync(relayed));
        }
        finally
        {
            await client.DisposeAsync();
            peers.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task Peers_without_permission_and_peers_that_reset_at_once_leave_no_descriptor_behind()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        await using TurnServer server = await TcpTestServer.StartAsync(30000);
        TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        try
        {
            Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
            AssertAcceptsOnLoop(server);
            IPEndPoint relayed = client.Relayed.ToEndPoint();
            for (int i = 0; i < 5; i++)
            {
                using var refused = new TcpClient(AddressFamily.InterNetwork);
                await refused.ConnectAsync(relayed);
                Assert.True(await TcpTurnClient.EndsAsync(refused.GetStream())); // no permission: closed
            }
            Assert.Equal(0, Answer.ErrorCode(await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 0))));
            for (int i = 0; i < 5; i++)
            {
                using var gone = new TcpClient(AddressFamily.InterNetwork) { LingerState = new LingerOption(true, 0) };
                await gone.ConnectAsync(relayed);
            } // each resets at once, accepted or not yet

            using var peer = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true }; // still accepted, and relays
            await peer.ConnectAsync(relayed);
            byte[] attempt = await client.NextIndicationAsync();
            while (!IsFrom(attempt, peer))
            {
                attempt = await client.NextIndicationAsync(); // ConnectionAttempts of peers that reset may come first
            }
            (TcpClient data, byte[] bound) = await client.BindAsync(TcpTurnClient.ConnectionId(attempt));
            using (data)
            {
                Assert.Equal(0, Answer.ErrorCode(bound));
                await peer.GetStream().WriteAsync(new byte[] { 4, 5 });
                byte[] got = new byte[2];
                await data.GetStream().ReadExactlyAsync(got).AsTask().WaitAsync(Patience);
                Assert.Equal(new byte[] { 4, 5 }, got);

                await client.DisposeAsync(); // allocation closed: listener, pending and bound connections go
                Assert.True(await TcpTurnClient.EndsAsync(data.GetStream()));
            }
            await WaitUntil(() => server.ActiveAllocations == 0 && server.State!.Metrics.TcpActive == 0);
            await WaitUntil(() => ServerSocketsOn(relayed.Port).Count == 0);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>On Linux x64 the allocation's peers are accepted on the relay loop's epoll, not by the async accept loop.</summary>
    private static void AssertAcceptsOnLoop(TurnServer server)
    {
        bool expected = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;
        Assert.Equal(expected, TcpRelayLoop.Shared is not null);
        Assert.Equal(expected, server.State!.Allocations.All.Single().Tcp!.AcceptsOnLoop);
    }

    private static bool IsFrom(byte[] attempt, TcpClient peer) =>
        StunMessageReader.TryParse(attempt, out StunMessageReader r) == StunParseResult.Success
        && r.TryGetXorPeerAddress(out TransportAddress from) && from.ToEndPoint().Equals(peer.Client.LocalEndPoint);

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(condition());
    }

    /// <summary>The "flags:" of /proc/self/fdinfo/<paramref name="fd"/> (octal open flags).</summary>
    private static long Flags(int fd)
    {
        string line = File.ReadLines($"/proc/self/fdinfo/{fd}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return Convert.ToInt64(line["flags:".Length..].Trim(), 8);
    }

    /// <summary>
    /// Descriptors of this process that are TCP sockets whose LOCAL port is <paramref name="port"/> (the relayed
    /// address's listener and accepted peers; the test's own peer sockets have it as their remote port).
    /// </summary>
    private static List<string> ServerSocketsOn(int port)
    {
        var inodes = new HashSet<string>();
        foreach (string line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int local = int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (local == port && f[9] != "0")
            {
                inodes.Add($"socket:[{f[9]}]");
            }
        }
        var open = new List<string>();
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                {
                    open.Add(target);
                }
            }
            catch (IOException)
            {
                // closed meanwhile
            }
        }
        return open;
    }
}
