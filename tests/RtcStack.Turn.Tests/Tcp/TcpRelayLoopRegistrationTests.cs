using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// How <see cref="TcpRelayLoop.TryRelay"/> registers a pair, over real loopback sockets: bytes that arrived before the
/// pair was registered are relayed (the re-arm reports them), and a registration that fails half way (the second ADD)
/// leaves the client's bytes unread, runs no pump concurrently with the failure path and leaves the slot table whole.
/// </summary>
public sealed class TcpRelayLoopRegistrationTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<Socket> _sockets = [];

    [Fact]
    public void Bytes_that_arrived_before_the_pair_was_registered_are_relayed_both_ways()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return; // not Linux x64
        }
        using (loop)
        {
            (Socket client, Socket clientSide) = Connected();
            (Socket peer, Socket peerSide) = Connected();
            client.Send([1, 2, 3]);
            peer.Send([4, 5]);
            WaitAvailable(clientSide, 3);
            WaitAvailable(peerSide, 2);
            var owner = new Owner();
            Task<string?>? done = loop.TryRelay(owner, clientSide, peerSide);
            Assert.NotNull(done);
            PumpUntil(loop, () => peer.Available == 3 && client.Available == 2);
            owner.IsClosed = true;
            clientSide.Shutdown(SocketShutdown.Both);
            PumpUntil(loop, () => done.IsCompleted);
        }
    }

    [Fact]
    public void A_registration_whose_second_ADD_fails_reads_nothing_and_leaves_the_slots_usable()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return;
        }
        using (loop)
        {
            using var stop = new CancellationTokenSource();
            var poller = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    _ = loop.PollOnce(5); // the loop's thread: an early event would pump the half-registered pair
                }
            }) { IsBackground = true };
            poller.Start();
            try
            {
                (Socket client, Socket relaySide) = Connected();
                client.Send([7, 7, 7, 7]);
                WaitAvailable(relaySide, 4);
                for (int i = 0; i < 300; i++)
                {
                    // The same socket on both sides: its first ADD succeeds, the second fails with EEXIST.
                    Assert.Null(loop.TryRelay(new Owner(), relaySide, relaySide));
                    Assert.Equal(4, relaySide.Available); // no pump read the client's bytes
                }
                Assert.Equal(0, client.Available);

                // Three live pairs at once each relay their own bytes: no slot was handed out twice.
                var pairs = new List<(Socket Client, Socket Peer, Task<string?> Done, Owner Owner)>();
                for (int i = 0; i < 3; i++)
                {
                    (Socket c, Socket cs) = Connected();
                    (Socket p, Socket ps) = Connected();
                    var owner = new Owner();
                    pairs.Add((c, p, loop.TryRelay(owner, cs, ps) ?? throw new InvalidOperationException("not registered"), owner));
                }
                for (int i = 0; i < pairs.Count; i++)
                {
                    pairs[i].Client.Send([(byte)i]);
                    byte[] got = new byte[1];
                    Assert.Equal(1, pairs[i].Peer.Receive(got));
                    Assert.Equal((byte)i, got[0]);
                }
                foreach ((Socket c, Socket p, Task<string?> done, Owner owner) in pairs)
                {
                    c.Shutdown(SocketShutdown.Send);
                    p.Shutdown(SocketShutdown.Send);
                    Assert.True(done.Wait(Patience));
                    Assert.Null(done.Result);
                }
            }
            finally
            {
                stop.Cancel();
                poller.Join();
            }
        }
    }

    public void Dispose() => _sockets.ForEach(s => s.Dispose());

    /// <summary>A loopback connection: the outer end (the test's) and the accepted end (the relay's).</summary>
    private (Socket Outer, Socket Inner) Connected()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var outer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _sockets.Add(outer);
        outer.Connect(listener.LocalEndPoint!);
        Socket inner = listener.Accept();
        _sockets.Add(inner);
        outer.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        return (outer, inner);
    }

    private static void WaitAvailable(Socket socket, int bytes)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (socket.Available < bytes)
        {
            Assert.True(DateTime.UtcNow < deadline, "the bytes did not arrive in time");
            Thread.Sleep(5);
        }
    }

    private static void PumpUntil(TcpRelayLoop loop, Func<bool> condition) =>
        RelayLoopRig.PumpUntil(loop, condition, pollMs: 100, "the relay did not move the bytes in time");

    private sealed class Owner : ITcpRelayEnds
    {
        public bool IsClosed { get; set; }

        public void Relayed(int bytes, bool toPeer)
        {
        }
    }
}
