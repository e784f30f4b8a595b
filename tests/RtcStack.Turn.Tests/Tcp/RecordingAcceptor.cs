using System.Collections.Concurrent;
using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// The owner of a <see cref="TcpRelayAccept"/> in tests: records each hand-off (thread pool) with its peer, optionally
/// holding it until <see cref="Gate"/> opens, and closes the accepted descriptors at the end (all but <see cref="Kept"/>).
/// </summary>
internal sealed class RecordingAcceptor : ITcpRelayAcceptor
{
    private readonly ConcurrentQueue<(int Fd, TransportAddress Peer)> _accepted = new();
    private int _entered;

    internal ManualResetEventSlim? Gate { get; init; }

    /// <summary>A descriptor the test took over (closed by its own socket), or -1.</summary>
    internal int Kept { get; set; } = -1;

    internal int Count => _accepted.Count;

    /// <summary>Hand-offs that started (some may still wait at <see cref="Gate"/>).</summary>
    internal int Entered => Volatile.Read(ref _entered);

    public void Accepted(int fd, TransportAddress peer)
    {
        Interlocked.Increment(ref _entered);
        Gate?.Wait(RelayLoopRig.Patience);
        _accepted.Enqueue((fd, peer));
    }

    public void AcceptExhausted(int errno) => Assert.Fail($"exhausted: {errno}");

    internal List<(int Fd, TransportAddress Peer)> Snapshot() => [.. _accepted];

    internal void CloseAll()
    {
        while (_accepted.TryDequeue(out (int Fd, TransportAddress _) accepted))
        {
            if (accepted.Fd != Kept)
            {
                _ = LinuxNative.Close(accepted.Fd);
            }
        }
    }
}
