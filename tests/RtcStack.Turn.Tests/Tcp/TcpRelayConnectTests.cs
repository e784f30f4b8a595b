using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// The non-blocking RFC 6062 Connect on the relay loop's epoll (Linux x64), driven on the test's own thread: it
/// connects from the relayed address and port (shared with the relayed listener), reports a refusal, and an abort
/// (timeout, allocation closed) ends a handshake that hangs; the descriptor is closed on every failure.
/// </summary>
public sealed class TcpRelayConnectTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Connects_from_the_relayed_address_and_port_and_the_socket_relays(string ip)
    {
        using RelayLoopRig? rig = RelayLoopRig.Create();
        IPAddress address = IPAddress.Parse(ip);
        if (rig is null || !TryListen(address, out Socket? peerListener))
        {
            return; // not Linux x64, or no IPv6 loopback here
        }
        using Socket listener = peerListener;
        using Socket relayed = new(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp); // the allocation's listener
        relayed.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        relayed.Bind(new IPEndPoint(address, 0));
        relayed.Listen(8);
        var local = TransportAddress.FromEndPoint((IPEndPoint)relayed.LocalEndPoint!);

        TcpRelayConnect connect = rig.Loop.TryConnect(local, TransportAddress.FromEndPoint((IPEndPoint)listener.LocalEndPoint!))!;
        int fd = await rig.Drive(connect.Result);

        Assert.True(fd >= 0, $"connect failed: errno {-fd}");
        using var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        connect.Abort(); // too late: nothing happens to the connected socket
        Assert.True(socket.Connected);
        Assert.Equal(listener.LocalEndPoint, socket.RemoteEndPoint);
        using Socket accepted = await listener.AcceptAsync();
        Assert.Equal(relayed.LocalEndPoint, accepted.RemoteEndPoint); // §5.2: from the relayed transport address
        socket.Blocking = true;
        Assert.Equal(3, socket.Send("abc"u8));
        byte[] received = new byte[3];
        Assert.Equal(3, await accepted.ReceiveAsync(received));
        Assert.Equal("abc"u8.ToArray(), received);
    }

    [Fact]
    public async Task A_refused_connection_fails_with_its_errno()
    {
        using RelayLoopRig? rig = RelayLoopRig.Create();
        if (rig is null)
        {
            return;
        }
        // Bound but not listening: the port answers SYNs with a reset, and no other test can take it meanwhile.
        using Socket closed = BoundNotListening();
        int closedPort = ((IPEndPoint)closed.LocalEndPoint!).Port;
        TcpRelayConnect connect = rig.Loop.TryConnect(TransportAddress.FromIPv4(0x7F000001, 0), TransportAddress.FromIPv4(0x7F000001, (ushort)closedPort))!;

        Assert.Equal(-111, await rig.Drive(connect.Result)); // ECONNREFUSED
    }

    [Fact]
    public async Task An_abort_ends_a_handshake_that_hangs_and_closes_the_socket()
    {
        using RelayLoopRig? rig = RelayLoopRig.Create();
        if (rig is null)
        {
            return;
        }
        // A listener whose accept queue is full drops SYNs: a connect to it hangs.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var fillers = new List<Socket>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(s);
                _ = s.ConnectAsync(full.LocalEndPoint!).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            await Task.Delay(300);
            TcpRelayConnect connect = rig.Loop.TryConnect(TransportAddress.FromIPv4(0x7F000001, 0), TransportAddress.FromEndPoint((IPEndPoint)full.LocalEndPoint!))!;
            rig.Loop.PollOnce(200);
            Assert.False(connect.Result.IsCompleted);
            string? open = DescriptorTarget(connect.Fd);
            Assert.StartsWith("socket:[", open, StringComparison.Ordinal);

            connect.Abort();

            Assert.Equal(TcpRelayConnect.Aborted, await rig.Drive(connect.Result));
            // Closed: the number is gone, or already reused by another test for something else (never this socket).
            Assert.NotEqual(open, DescriptorTarget(connect.Fd));
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void A_peer_of_the_other_family_is_not_connected()
    {
        using RelayLoopRig? rig = RelayLoopRig.Create();
        if (rig is null)
        {
            return;
        }
        var v6 = TransportAddress.FromEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 9));
        Assert.Null(rig.Loop.TryConnect(TransportAddress.FromIPv4(0x7F000001, 0), v6));
    }

    /// <summary>What descriptor <paramref name="fd"/> of this process refers to ("socket:[inode]", a path), or null when closed.</summary>
    internal static string? DescriptorTarget(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A loopback TCP socket bound to a port of its own that does not listen: connecting to it is refused.</summary>
    internal static Socket BoundNotListening()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static bool TryListen(IPAddress address, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Socket? listener)
    {
        listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, 0));
            listener.Listen(8);
            return true;
        }
        catch (SocketException)
        {
            listener.Dispose();
            listener = null;
            return false;
        }
    }
}
