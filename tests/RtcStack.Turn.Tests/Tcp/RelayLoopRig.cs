using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A <see cref="TcpRelayLoop"/> with no thread of its own, driven on the test's thread (<see cref="PumpUntil"/>,
/// <see cref="Drive"/>), and the loopback listening sockets registered on it with <see cref="Listen"/>. Disposing it
/// opens every owner's gate, unlistens, closes what the owners were handed, then the listeners and the loop. Null
/// <see cref="Create"/> off Linux x64 (peers are then accepted and connected through .NET's sockets).
/// </summary>
internal sealed class RelayLoopRig : IDisposable
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<(Socket Listener, RecordingAcceptor Owner, TcpRelayAccept Accept)> _listening = [];

    private RelayLoopRig(TcpRelayLoop loop) => Loop = loop;

    internal TcpRelayLoop Loop { get; }

    internal static RelayLoopRig? Create() => TcpRelayLoop.Create(startThread: false) is { } loop ? new RelayLoopRig(loop) : null;

    /// <summary>
    /// A non-blocking IPv4 loopback listener registered on the loop, whose peers go to a new <see cref="RecordingAcceptor"/>
    /// (its hand-offs held by <paramref name="gate"/> when given; accepting pauses at <paramref name="maxPending"/>).
    /// </summary>
    internal (Socket Listener, RecordingAcceptor Owner, TcpRelayAccept Accept) Listen(
        int backlog = 64, ManualResetEventSlim? gate = null, int maxPending = int.MaxValue)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(backlog);
        listener.Blocking = false;
        var owner = new RecordingAcceptor { Gate = gate };
        var accept = new TcpRelayAccept((int)listener.SafeHandle.DangerousGetHandle(), owner, maxPending);
        _listening.Add((listener, owner, accept));
        Assert.True(Loop.TryListen(accept));
        return (listener, owner, accept);
    }

    /// <summary>Polls the loop (<paramref name="pollMs"/> a turn) until <paramref name="condition"/> holds; fails after <see cref="Patience"/>.</summary>
    internal void PumpUntil(Func<bool> condition, int pollMs = 20) => PumpUntil(Loop, condition, pollMs);

    /// <summary>Polls <paramref name="loop"/> (<paramref name="pollMs"/> a turn) until <paramref name="condition"/> holds; fails with <paramref name="failure"/> after <see cref="Patience"/>.</summary>
    internal static void PumpUntil(TcpRelayLoop loop, Func<bool> condition, int pollMs = 20, string failure = "timed out")
    {
        DateTime end = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < end, failure);
            _ = loop.PollOnce(pollMs);
        }
    }

    /// <summary>Polls the loop until <paramref name="result"/> (of a <see cref="TcpRelayConnect"/>) is known.</summary>
    internal Task<int> Drive(Task<int> result)
    {
        var clock = Stopwatch.StartNew();
        while (!result.IsCompleted && clock.Elapsed < Patience)
        {
            Loop.PollOnce(100);
        }
        Assert.True(result.IsCompleted, "the loop never saw the handshake end");
        return result;
    }

    public void Dispose()
    {
        foreach ((Socket listener, RecordingAcceptor owner, TcpRelayAccept accept) in _listening)
        {
            owner.Gate?.Set();
            Loop.Unlisten(accept); // again after a test's own Unlisten: does nothing
            owner.CloseAll();
            listener.Dispose();
        }
        Loop.Dispose();
    }
}
