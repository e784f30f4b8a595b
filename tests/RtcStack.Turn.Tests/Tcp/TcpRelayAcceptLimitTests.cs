using System.Net.Sockets;
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
        using RelayLoopRig? rig = RelayLoopRig.Create();
        if (rig is null)
        {
            return; // not Linux x64
        }
        TcpRelayLoop loop = rig.Loop;
        (Socket listener, RecordingAcceptor owner, _) = rig.Listen(backlog: 128);
        const int Peers = 80;
        Connect(listener, Peers);
        Assert.Equal(1, loop.PollOnce((int)Patience.TotalMilliseconds)); // the one edge of the listener
        WaitUntil(() => owner.Count >= TcpRelayAccept.MaxPerDrain);
        Thread.Sleep(100); // more accepted by that turn would have been handed over by now
        Assert.Equal(TcpRelayAccept.MaxPerDrain, owner.Count);

        rig.PumpUntil(() => owner.Count >= Peers); // the rest
    }

    [Fact]
    public void Nothing_is_accepted_while_the_limit_of_hand_offs_waits_and_accepting_resumes_after()
    {
        using var gate = new ManualResetEventSlim(); // hand-offs wait until it opens (the rig opens it at the end)
        using RelayLoopRig? rig = RelayLoopRig.Create();
        if (rig is null)
        {
            return;
        }
        TcpRelayLoop loop = rig.Loop;
        const int Limit = 3;
        (Socket listener, RecordingAcceptor owner, _) = rig.Listen(backlog: 128, gate, maxPending: Limit);
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

        gate.Set(); // the hand-offs run: the paused drain resumes on the thread pool, no loop turn needed
        WaitUntil(() => owner.Count == Peers);
    }

    public void Dispose() => _sockets.ForEach(s => s.Dispose());

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
}
