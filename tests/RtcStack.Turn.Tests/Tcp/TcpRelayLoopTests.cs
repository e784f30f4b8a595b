using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// The RFC 6062 relay loop (Linux x64), driven on the test's own thread (<see cref="TcpRelayLoop.PollOnce"/>), between
/// two loopback connections: client ⇄ [relay] ⇄ peer. Nothing is allocated per relayed message, a reader that does
/// not read holds the writer back with at most one chunk held, half closes pass through, and errors end the pair.
/// </summary>
public sealed class TcpRelayLoopTests : IDisposable
{
    private const int SocketBuffer = 256 * 1024; // so that what the kernel can hold stays far below the payload
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<Socket> _sockets = [];
    private readonly List<Socket> _relaySides = [];
    private readonly List<(TcpRelayLoop Loop, Task<string?> Done)> _pairs = [];

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(16 * 1024)]
    public void Relaying_allocates_nothing_per_message(int size)
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return; // not Linux x64: data connections are relayed with async reads and writes instead
        }
        (Socket client, Socket peer, Ends ends, Task<string?> done) = Relay(loop);
        byte[] message = new byte[size];
        Random.Shared.NextBytes(message);
        byte[] received = new byte[size];
        for (int i = 0; i < 50; i++) // warm up: every path has run
        {
            RoundTrip(loop, client, peer, message, received);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            RoundTrip(loop, client, peer, message, received);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(message, received);
        Assert.Equal(550L * size, ends.ToPeer);
        Assert.Equal(550L * size, ends.ToClient);
        Assert.Equal(0, allocated);
        Assert.False(done.IsCompleted);
    }

    [Fact]
    public void A_peer_that_does_not_read_holds_the_client_back_and_then_gets_every_byte_and_the_end_in_order()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return;
        }
        (Socket client, Socket peer, Ends ends, _) = Relay(loop, out Socket clientRelaySide);
        client.Blocking = false;
        byte[] payload = new byte[8 << 20];
        Random.Shared.NextBytes(payload);
        int written = 0;
        int idle = 0;
        while (idle < 3 && written < payload.Length) // write until neither the client nor the relay can move anything
        {
            int sent = TrySend(client, payload.AsSpan(written));
            written += sent;
            int events = loop.PollOnce(100);
            idle = sent == 0 && events == 0 ? idle + 1 : 0;
        }
        Assert.True(written < payload.Length, "8 MB fitted into the socket buffers");
        Assert.True(ends.ToPeer < written);
        Assert.True(clientRelaySide.Available > 0, "the relay kept reading although the peer does not");

        client.Shutdown(SocketShutdown.Send); // the end arrives while the relay holds bytes: it must still be passed on

        byte[] received = new byte[written];
        int got = 0;
        var deadline = DateTime.UtcNow + Patience;
        while (got < written && DateTime.UtcNow < deadline)
        {
            _ = loop.PollOnce(10);
            if (peer.Available > 0)
            {
                got += peer.Receive(received.AsSpan(got));
            }
        }
        Assert.Equal(written, got);
        Assert.True(payload.AsSpan(0, written).SequenceEqual(received));
        Assert.Equal(written, ends.ToPeer);
        PumpUntil(loop, () => peer.Poll(0, SelectMode.SelectRead));
        Assert.Equal(0, peer.Receive(received)); // the client's FIN, after every byte
    }

    [Fact]
    public void An_end_of_stream_that_arrives_while_bytes_are_held_is_passed_on_after_them()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return;
        }
        (Socket client, Socket peer, Ends ends, _) = Relay(loop);
        byte[] chunk = new byte[16 * 1024];
        Random.Shared.NextBytes(chunk);
        long written = 0;
        while (ends.ToPeer == written) // the peer does not read: sooner or later the relay holds what it read
        {
            Assert.True(written < 64 << 20, "the relay never held bytes");
            client.Send(chunk);
            written += chunk.Length;
            while (loop.PollOnce(50) > 0)
            {
            }
        }
        client.Send(chunk.AsSpan(0, 1000)); // lands in the relay's socket (it was drained): the end follows at once
        written += 1000;
        client.Shutdown(SocketShutdown.Send);
        while (loop.PollOnce(50) > 0) // the end-of-stream event comes while the relay still holds bytes
        {
        }

        long got = 0;
        byte[] buffer = new byte[64 * 1024];
        var deadline = DateTime.UtcNow + Patience;
        int n;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "the end of stream was not passed on");
            _ = loop.PollOnce(10);
            n = peer.Available > 0 || peer.Poll(0, SelectMode.SelectRead) ? peer.Receive(buffer) : -1;
            got += Math.Max(n, 0);
        }
        while (n != 0);
        Assert.Equal(written, got);
    }

    [Fact]
    public void Half_closes_pass_through_and_the_pair_ends_cleanly()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return;
        }
        (Socket client, Socket peer, _, Task<string?> done) = Relay(loop);
        client.Send("last words"u8);
        client.Shutdown(SocketShutdown.Send);
        byte[] buffer = new byte[64];
        PumpUntil(loop, () => peer.Available >= 10);
        Assert.Equal(10, peer.Receive(buffer));
        PumpUntil(loop, () => peer.Poll(0, SelectMode.SelectRead));
        Assert.Equal(0, peer.Receive(buffer)); // the client's FIN, passed on

        peer.Send("reply"u8); // the other direction still flows
        PumpUntil(loop, () => client.Available >= 5);
        Assert.Equal(5, client.Receive(buffer));
        peer.Shutdown(SocketShutdown.Send);
        PumpUntil(loop, () => done.IsCompleted);
        Assert.Null(done.Result);
        Assert.Equal(0, client.Receive(buffer));
    }

    [Fact]
    public void A_reset_peer_ends_the_pair_with_a_failure()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return;
        }
        (_, Socket peer, _, Task<string?> done) = Relay(loop);
        peer.LingerState = new LingerOption(true, 0);
        peer.Close(); // RST
        PumpUntil(loop, () => done.IsCompleted);
        Assert.Equal("peer connection failed", done.Result);
    }

    [Fact]
    public void A_closed_owner_lets_go_of_the_sockets_on_their_next_event()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return;
        }
        (Socket client, _, Ends ends, Task<string?> done) = Relay(loop);
        ends.IsClosed = true;
        client.Send("x"u8);
        PumpUntil(loop, () => done.IsCompleted);
        Assert.Null(done.Result);
        Assert.Equal(0, ends.ToPeer);
    }

    /// <summary>
    /// Closes the outer ends, pumps each loop until its pair let go of the relay-side sockets (a Dispose of a socket
    /// the loop still references would wait for it), then closes those and the loops.
    /// </summary>
    public void Dispose()
    {
        foreach (Socket s in _sockets)
        {
            s.Dispose();
        }
        foreach ((TcpRelayLoop loop, Task<string?> done) in _pairs)
        {
            PumpUntil(loop, () => done.IsCompleted);
        }
        foreach (Socket s in _relaySides)
        {
            s.Dispose();
        }
        foreach (TcpRelayLoop loop in _pairs.Select(p => p.Loop).Distinct())
        {
            loop.Dispose();
        }
    }

    private (Socket Client, Socket Peer, Ends Ends, Task<string?> Done) Relay(TcpRelayLoop loop) => Relay(loop, out _);

    private (Socket Client, Socket Peer, Ends Ends, Task<string?> Done) Relay(TcpRelayLoop loop, out Socket clientRelaySide)
    {
        (Socket client, clientRelaySide) = Connected();
        (Socket peer, Socket peerRelaySide) = Connected();
        var ends = new Ends();
        Task<string?>? done = loop.TryRelay(ends, clientRelaySide, peerRelaySide);
        Assert.NotNull(done);
        _pairs.Add((loop, done));
        return (client, peer, ends, done);
    }

    private (Socket Outer, Socket Inner) Connected()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.ReceiveBufferSize = SocketBuffer; // inherited by the accepted socket; fixed sizes, no autotuning
        listener.SendBufferSize = SocketBuffer;
        listener.Listen(1);
        var outer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveBufferSize = SocketBuffer,
            SendBufferSize = SocketBuffer,
        };
        _sockets.Add(outer);
        outer.Connect(listener.LocalEndPoint!);
        Socket inner = listener.Accept();
        inner.NoDelay = true;
        _relaySides.Add(inner);
        outer.ReceiveTimeout = inner.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        return (outer, inner);
    }

    private static void RoundTrip(TcpRelayLoop loop, Socket client, Socket peer, byte[] message, byte[] received)
    {
        client.Send(message);
        PumpUntilAvailable(loop, peer, message.Length);
        ReceiveExactly(peer, received);
        peer.Send(received);
        PumpUntilAvailable(loop, client, message.Length);
        ReceiveExactly(client, received);
    }

    private static void ReceiveExactly(Socket socket, byte[] into)
    {
        for (int got = 0; got < into.Length;)
        {
            int n = socket.Receive(into.AsSpan(got));
            Assert.True(n > 0);
            got += n;
        }
    }

    /// <summary><see cref="PumpUntil"/> without a delegate (the allocation test measures this thread).</summary>
    private static void PumpUntilAvailable(TcpRelayLoop loop, Socket socket, int bytes)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (socket.Available < bytes)
        {
            Assert.True(DateTime.UtcNow < deadline, "the relay did not move the bytes in time");
            _ = loop.PollOnce(100);
        }
    }

    private static void PumpUntil(TcpRelayLoop loop, Func<bool> condition) =>
        RelayLoopRig.PumpUntil(loop, condition, pollMs: 100, "the relay did not move the bytes in time");

    private static int TrySend(Socket socket, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }
        int sent = socket.Send(data, SocketFlags.None, out SocketError error);
        return error == SocketError.Success ? sent : 0;
    }

    private sealed class Ends : ITcpRelayEnds
    {
        public bool IsClosed { get; set; }

        public long ToPeer { get; private set; }

        public long ToClient { get; private set; }

        public void Relayed(int bytes, bool toPeer)
        {
            if (toPeer)
            {
                ToPeer += bytes;
            }
            else
            {
                ToClient += bytes;
            }
        }
    }
}
