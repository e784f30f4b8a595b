using System.Net.Sockets;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The RFC 6062 raw relay on Linux x64 for plain TCP data connections. One thread waits in epoll_wait (edge
/// triggered) on every relayed socket and, for each ready one, moves the bytes inline: one non-blocking recv into
/// this thread's 64 KB buffer and one send of them to the other side (a recv that fills the buffer is repeated; a
/// shorter one drained the socket, and the next arrival is a new edge, so no recv ends in EAGAIN). No task,
/// continuation, thread-pool hop or allocation per message, and only the direction an event concerns is pumped (a
/// writable event pumps only a direction that is holding bytes). Plain copies measured cheaper than splice(2)
/// through a pipe for 1000-byte messages and equal for 100-byte ones (bench/turn/tools/splice_vs_copy.py), and they
/// need no pipe per direction. Backpressure: bytes the destination did not take are held (a pooled buffer of at
/// most 64 KB per direction, rented only then) and the source is not read again until they are sent, so a slow
/// reader holds the writer back through TCP flow control. An end of stream is passed on as a half close once
/// nothing is held; an error on either side ends both. The sockets' handles are referenced while relayed, so a
/// concurrent Dispose (allocation deleted) shuts them down and waits for this thread to let go: a descriptor number
/// is never reused under it. The same epoll also awaits the handshakes of outgoing Connects
/// (<see cref="TryConnect"/>) and accepts the peers of each allocation's listening socket (<see cref="TryListen"/>),
/// so no relayed socket ever joins .NET's socket engine, whose edge-triggered registration would wake its thread for
/// every message as well. This file registers and ends pairs and runs the loop; <see cref="TcpRelayPair"/> pumps a
/// pair's bytes; TcpRelayLoop.Handshakes.cs has the connects and accepts.
/// </summary>
internal sealed unsafe partial class TcpRelayLoop : IDisposable
{
    internal const int ChunkBytes = 64 * 1024;
    private const int MaxEvents = 64;
    private const ulong PeerSide = 1u << 31; // in epoll data: the event is for the peer socket
    private const ulong ConnectTag = 1u << 30; // in epoll data: the event ends an outgoing connect (id in the high half)
    private const ulong AcceptTag = 1u << 29; // in epoll data: a listening socket has peers to accept (id in the high half)

    private static readonly Lazy<TcpRelayLoop?> SharedInstance = new(() => Create(startThread: true));

    private readonly int _epoll;
    private readonly Lock _lock = new();
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
    private readonly PollSlotTable<TcpRelayPair> _pairs = new(64); // by epoll data: generation << 32 | [PeerSide] | slot

    private TcpRelayLoop(int epoll) => _epoll = epoll;

    /// <summary>The process-wide relay loop, or null where it cannot run (not Linux x64, or no epoll).</summary>
    internal static TcpRelayLoop? Shared => SharedInstance.Value;

    /// <summary>
    /// A relay loop; with <paramref name="startThread"/> false nothing runs it until the caller calls
    /// <see cref="PollOnce"/> (tests drive it on their own thread). Null where it cannot run.
    /// </summary>
    internal static TcpRelayLoop? Create(bool startThread)
    {
        if (!LinuxNative.IsSupported)
        {
            return null;
        }
        int epoll = LinuxNative.EpollCreate(LinuxNative.EpollCloexec);
        if (epoll < 0)
        {
            return null;
        }
        var loop = new TcpRelayLoop(epoll);
        if (startThread)
        {
            new Thread(loop.Run) { IsBackground = true, Name = "turn-tcp-relay" }.Start();
        }
        return loop;
    }

    /// <summary>
    /// Relays between <paramref name="client"/> and <paramref name="peer"/> until both directions ended or one
    /// failed, or <paramref name="owner"/> is closed; the task gives the failure (null when both ended cleanly).
    /// Null when the sockets could not be registered (the caller relays another way).
    /// </summary>
    internal Task<string?>? TryRelay(ITcpRelayEnds owner, Socket client, Socket peer)
    {
        var pair = new TcpRelayPair(owner, client, peer);
        if (!pair.Open())
        {
            pair.Release();
            return null;
        }
        lock (_lock)
        {
            int slot = _pairs.Reserve(out uint generation);
            pair.Slot = slot;
            pair.Generation = generation;
            // Registered first with no interest (an ET hang-up or error at most, found in no slot yet): a failed ADD
            // is undone before any event can reach Pump, so nothing below runs concurrently with the loop's thread.
            var ev = new LinuxNative.EpollEvent { Events = LinuxNative.EpollEt, Data = ((ulong)generation << 32) | (uint)slot };
            if (LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlAdd, pair.ClientFd, &ev) != 0)
            {
                Unreserve(pair);
                pair.Release();
                return null;
            }
            ev.Data |= PeerSide;
            if (LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlAdd, pair.PeerFd, &ev) != 0)
            {
                _ = LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlDel, pair.ClientFd, &ev);
                Unreserve(pair);
                pair.Release();
                return null;
            }
            _pairs.Publish(slot, pair);
            // From here the loop owns the pair. MOD re-arms and reports the current readiness, so nothing that
            // arrived before is missed. A MOD that fails (not expected: both are registered and referenced) hangs
            // both sockets up, which is reported whatever the mask: the loop ends the pair.
            if (!Arm(pair.PeerFd, ev.Data) || !Arm(pair.ClientFd, ev.Data & ~PeerSide))
            {
                _ = LinuxNative.Shutdown(pair.ClientFd, LinuxNative.ShutRdWr);
                _ = LinuxNative.Shutdown(pair.PeerFd, LinuxNative.ShutRdWr);
            }
        }
        return pair.Done.Task;
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> (-1: no limit) for ready sockets and relays what they have; the
    /// number of events handled. Only one thread may call it: the loop's own, or a test's when not started.
    /// </summary>
    internal int PollOnce(int timeoutMs)
    {
        LinuxNative.EpollEvent* events = stackalloc LinuxNative.EpollEvent[MaxEvents];
        int n = LinuxNative.EpollWait(_epoll, events, MaxEvents, _drainAgain.Count > 0 ? 0 : timeoutMs);
        DrainAgain(); // the listeners a capped drain left with peers, once per turn between the events
        for (int i = 0; i < n; i++)
        {
            ulong data = events[i].Data;
            if ((data & ConnectTag) != 0)
            {
                ConnectEnded((uint)(data >> 32), events[i].Events);
                continue;
            }
            if ((data & AcceptTag) != 0)
            {
                AcceptReady((uint)(data >> 32));
                continue;
            }
            TcpRelayPair?[] slots = _pairs.Current; // lock-free: a freed pair's generation is 0, a reused slot's a new one
            int slot = (int)((uint)data & ~(uint)PeerSide);
            TcpRelayPair? pair = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
            if (pair is null || pair.Generation != (uint)(data >> 32))
            {
                continue;
            }
            string? failure = pair.Owner.IsClosed ? "closed" : pair.Pump((data & PeerSide) != 0, events[i].Events, _buffer);
            if (failure is not null || pair.Finished)
            {
                Finish(pair, failure == "closed" ? null : failure);
            }
        }
        return Math.Max(n, 0);
    }

    /// <summary>Closes the epoll descriptor of a loop that was not started (tests); the shared loop lives as long as the process.</summary>
    public void Dispose() => _ = LinuxNative.Close(_epoll);

    private void Run()
    {
        while (true)
        {
            _ = PollOnce(-1); // closing a pair shuts its sockets down, which wakes this wait
        }
    }

    /// <summary>Sets the relay mask of a registered pair socket (re-arms it: current readiness is reported).</summary>
    private bool Arm(int fd, ulong data)
    {
        var ev = new LinuxNative.EpollEvent
        {
            Events = LinuxNative.EpollIn | LinuxNative.EpollOut | LinuxNative.EpollRdHup | LinuxNative.EpollEt,
            Data = data,
        };
        return LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlMod, fd, &ev) == 0;
    }

    /// <summary>Gives back the slot of a pair that was never published (caller holds the lock).</summary>
    private void Unreserve(TcpRelayPair pair)
    {
        pair.Generation = 0;
        _pairs.Free(pair.Slot);
    }

    /// <summary>Frees a published pair's slot once (caller holds the lock): a second call frees nothing (no slot on the free stack twice).</summary>
    private void Forget(TcpRelayPair pair)
    {
        bool held = _pairs.Holds(pair.Slot, pair);
        pair.Generation = 0; // first: a lookup holding an older array still finds the pair there
        if (held)
        {
            _pairs.Free(pair.Slot);
        }
    }

    private void Finish(TcpRelayPair pair, string? failure)
    {
        var ev = default(LinuxNative.EpollEvent);
        lock (_lock)
        {
            _ = LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlDel, pair.ClientFd, &ev);
            _ = LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlDel, pair.PeerFd, &ev);
            Forget(pair);
        }
        pair.Release(); // before completing: a Dispose of either socket waits for this release
        pair.Done.TrySetResult(failure);
    }
}
