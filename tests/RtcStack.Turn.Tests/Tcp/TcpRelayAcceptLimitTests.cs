using System.Net;
using System.Net.Sockets;
using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A connection flood to a relayed address does not hold the relay loop's thread, over real loopback sockets: one
/// turn of the loop accepts at most <see cref="TcpRelayAccept.MaxPerDrain"/> (the rest on the following turns, with
/// no new arrival), and no accept happens while the allocation's limit of hand-offs waits; they resume when one ran.
/// </summary>
public sealed class TcpRelayAcceptLimitTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<Socket> _sockets = [];

    [Fact]
    public void One_turn_accepts_at_most_a_batch_and_the_next_turns_take_the_rest_without_a_new_arrival()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return; // not Linux x64
        }
        using (loop)
        {
            Socket listener = Listener();
            var owner = new Owner();
            var accept = new TcpRelayAccept((int)listener.SafeHandle.DangerousGetHandle(), owner);
            Assert.True(loop.TryListen(accept));
            try
            {
                const int Peers = 80;
                Connect(listener, Peers);
                Assert.Equal(1, loop.PollOnce((int)Patience.TotalMilliseconds)); // the one edge of the listener
                WaitUntil(() => owner.Count >= TcpRelayAccept.MaxPerDrain);
                Thread.Sleep(100); // more accepted by that turn would have been handed over by now
                Assert.Equal(TcpRelayAccept.MaxPerDrain, owner.Count);

                DateTime end = DateTime.UtcNow + Patience;
                while (owner.Count < Peers)
                {
                    Assert.True(DateTime.UtcNow < end, "the rest was not accepted");
                    _ = loop.PollOnce(20);
                }
            }
            finally
            {
                loop.Unlisten(accept);
                owner.CloseAll();
            }
        }
    }

    [Fact]
    public void Nothing_is_accepted_while_the_limit_of_hand_offs_waits_and_accepting_resumes_after()
    {
        if (TcpRelayLoop.Create(startThread: false) is not { } loop)
        {
            return;
        }
        using (loop)
        {
            Socket listener = Listener();
            var owner = new Owner { Gate = new ManualResetEventSlim() }; // hand-offs wait until the gate opens
            const int Limit = 3;
            var accept = new TcpRelayAccept((int)listener.SafeHandle.DangerousGetHandle(), owner, maxPending: Limit);
            Assert.True(loop.TryListen(accept));
            try
            {
                const int Peers = 12;
                Connect(listener, Peers);
                WaitUntil(() =>
                {
                    _ = loop.PollOnce(20);
                    return owner.Entered >= Limit;
                });
                for (int i = 0; i < 10; i++)
                {
                    _ = loop.PollOnce(20);
                }
                Thread.Sleep(100);
                Assert.Equal(Limit, owner.Entered); // the others still wait in the backlog

                owner.Gate.Set(); // the hand-offs run: the paused drain resumes on the thread pool, no loop turn needed
                WaitUntil(() => owner.Count == Peers);
            }
            finally
            {
                owner.Gate.Set();
                loop.Unlisten(accept);
                owner.CloseAll();
            }
        }
    }

    public void Dispose() => _sockets.ForEach(s => s.Dispose());

    private Socket Listener()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(listener);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(128);
        listener.Blocking = false;
        return listener;
    }

    private void Connect(Socket listener, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _sockets.Add(peer);
            peer.Connect(listener.LocalEndPoint!); // the kernel completes the handshake; accept comes later
        }
    }

    private static void WaitUntil(Func<bool> condition)
    {
        DateTime end = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < end, "timed out");
            Thread.Sleep(5);
        }
    }

    /// <summary>Records the hand-offs (thread pool), optionally holding each until <see cref="Gate"/> opens, and closes them at the end.</summary>
    private sealed class Owner : ITcpRelayAcceptor
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<int> _fds = new();
        private int _entered;

        internal ManualResetEventSlim? Gate { get; init; }

        internal int Count => _fds.Count;

        internal int Entered => Volatile.Read(ref _entered);

        public void Accepted(int fd, TransportAddress peer)
        {
            Interlocked.Increment(ref _entered);
            Gate?.Wait(Patience);
            _fds.Enqueue(fd);
        }

        public void AcceptExhausted(int errno) => Assert.Fail($"exhausted: {errno}");

        internal void CloseAll()
        {
            while (_fds.TryDequeue(out int fd))
            {
                _ = LinuxNative.Close(fd);
            }
        }
    }
}
