using System.Net.Sockets;
using System.Runtime.InteropServices;
using RtcStack.Stun;

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
/// every message as well.
/// </summary>
internal sealed unsafe class TcpRelayLoop : IDisposable
{
    internal const int ChunkBytes = 64 * 1024;
    private const int MaxEvents = 64;
    private const ulong PeerSide = 1u << 31; // in epoll data: the event is for the peer socket
    private const ulong ConnectTag = 1u << 30; // in epoll data: the event ends an outgoing connect (id in the high half)
    private const ulong AcceptTag = 1u << 29; // in epoll data: a listening socket has peers to accept (id in the high half)

    private static readonly Lazy<TcpRelayLoop?> SharedInstance = new(() => Create(startThread: true));

    private readonly int _epoll;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, TcpRelayConnect> _connects = [];
    private readonly Dictionary<uint, TcpRelayAccept> _accepts = [];
    private List<TcpRelayAccept> _drainAgain = [], _draining = []; // capped drains, taken again next turn (loop thread only)
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(ChunkBytes, pinned: true);
    private readonly PollSlotTable<Pair> _pairs = new(64); // by epoll data: generation << 32 | [PeerSide] | slot
    private uint _nextId; // of connects and listeners (their own dictionaries)

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
        var pair = new Pair(owner, client, peer);
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
    /// Starts an outgoing RFC 6062 Connect from <paramref name="local"/> (the relayed address) to
    /// <paramref name="remote"/> whose end this loop awaits (see <see cref="TcpRelayConnect"/>); null when no socket
    /// could be made.
    /// </summary>
    internal TcpRelayConnect? TryConnect(in TransportAddress local, in TransportAddress remote)
    {
        TcpRelayConnect? connect = TcpRelayConnect.Start(local, remote, out bool inProgress);
        if (connect is null || !inProgress)
        {
            return connect;
        }
        lock (_lock)
        {
            uint id = ++_nextId;
            _connects[id] = connect;
            var ev = new LinuxNative.EpollEvent { Events = LinuxNative.EpollOut | LinuxNative.EpollEt, Data = ((ulong)id << 32) | ConnectTag };
            if (LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlAdd, connect.Fd, &ev) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                _connects.Remove(id);
                connect.Fail(errno);
            }
        }
        return connect;
    }

    /// <summary>
    /// Accepts peers of <paramref name="accept"/>'s listening socket on this loop from now on (pending ones too);
    /// false when it could not be registered (the caller accepts another way).
    /// </summary>
    internal bool TryListen(TcpRelayAccept accept)
    {
        lock (_lock)
        {
            uint id = ++_nextId;
            accept.Id = id;
            _accepts[id] = accept;
            var ev = new LinuxNative.EpollEvent { Events = LinuxNative.EpollIn | LinuxNative.EpollEt, Data = ((ulong)id << 32) | AcceptTag };
            if (LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlAdd, accept.Fd, &ev) == 0)
            {
                return true;
            }
            _accepts.Remove(id);
            return false;
        }
    }

    /// <summary>Stops accepting for <paramref name="accept"/>; once this returns its listening descriptor may be closed.</summary>
    internal void Unlisten(TcpRelayAccept accept)
    {
        lock (_lock)
        {
            if (_accepts.Remove(accept.Id))
            {
                var ev = default(LinuxNative.EpollEvent);
                _ = LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlDel, accept.Fd, &ev);
            }
        }
        accept.Stop(); // waits for a drain in progress on this loop's thread
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
            Pair?[] slots = _pairs.Current; // lock-free: a freed pair's generation is 0, a reused slot's a new one
            int slot = (int)((uint)data & ~(uint)PeerSide);
            Pair? pair = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
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

    private void ConnectEnded(uint id, uint events)
    {
        TcpRelayConnect? connect;
        lock (_lock)
        {
            if (!_connects.Remove(id, out connect))
            {
                return;
            }
            var ev = default(LinuxNative.EpollEvent);
            _ = LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlDel, connect.Fd, &ev);
        }
        connect.Completed(events);
    }

    private void AcceptReady(uint id)
    {
        TcpRelayAccept? accept;
        lock (_lock)
        {
            if (!_accepts.TryGetValue(id, out accept))
            {
                return;
            }
        }
        Drain(accept);
    }

    private void Drain(TcpRelayAccept accept)
    {
        if (accept.Drain(out bool more) is var errno and not 0)
        {
            accept.Owner.AcceptExhausted(errno);
        }
        else if (more)
        {
            _drainAgain.Add(accept); // no EAGAIN, so no new edge: come back on the next turn
        }
    }

    private void DrainAgain()
    {
        if (_drainAgain.Count == 0)
        {
            return;
        }
        (_draining, _drainAgain) = (_drainAgain, _draining);
        foreach (TcpRelayAccept accept in _draining)
        {
            Drain(accept); // a stopped (unlistened) one drains nothing
        }
        _draining.Clear();
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
    private void Unreserve(Pair pair)
    {
        pair.Generation = 0;
        _pairs.Free(pair.Slot);
    }

    /// <summary>Frees a published pair's slot once (caller holds the lock): a second call frees nothing (no slot on the free stack twice).</summary>
    private void Forget(Pair pair)
    {
        bool held = _pairs.Holds(pair.Slot, pair);
        pair.Generation = 0; // first: a lookup holding an older array still finds the pair there
        if (held)
        {
            _pairs.Free(pair.Slot);
        }
    }

    private void Finish(Pair pair, string? failure)
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

    /// <summary>One relayed data connection: the two sockets and a direction each way.</summary>
    private sealed class Pair(ITcpRelayEnds owner, Socket client, Socket peer)
    {
        private readonly SafeHandle _client = client.SafeHandle, _peer = peer.SafeHandle;
        private bool _clientRef, _peerRef;
        private TcpRelayDirection _up, _down;

        internal ITcpRelayEnds Owner { get; } = owner;

        internal TaskCompletionSource<string?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal int ClientFd { get; private set; } = -1;

        internal int PeerFd { get; private set; } = -1;

        internal int Slot { get; set; }

        internal uint Generation { get; set; }

        internal bool Finished => _up.Shut && _down.Shut;

        /// <summary>References both handles and makes the sockets non-blocking; false on failure (call <see cref="Release"/>).</summary>
        internal bool Open()
        {
            try
            {
                _client.DangerousAddRef(ref _clientRef);
                _peer.DangerousAddRef(ref _peerRef);
                client.Blocking = false;
                peer.Blocking = false;
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                return false; // closed meanwhile: the caller's fallback sees it and closes
            }
            ClientFd = (int)_client.DangerousGetHandle();
            PeerFd = (int)_peer.DangerousGetHandle();
            return true;
        }

        /// <summary>
        /// Moves what the event on one socket (<paramref name="peerSide"/> or the client's) lets move: readable, the
        /// direction that reads it; writable, the direction that writes it when that one holds bytes (a hang-up or
        /// error, both). A failure reason, or null.
        /// </summary>
        internal string? Pump(bool peerSide, uint events, byte[] buffer)
        {
            const uint Readable = LinuxNative.EpollIn | LinuxNative.EpollRdHup | LinuxNative.EpollHup | LinuxNative.EpollErr;
            const uint Writable = LinuxNative.EpollOut | LinuxNative.EpollHup | LinuxNative.EpollErr;
            const uint Failed = LinuxNative.EpollHup | LinuxNative.EpollErr;
            bool up = (events & (peerSide ? Writable : Readable)) != 0 && (!peerSide || _up.IsHolding || (events & Failed) != 0);
            bool down = (events & (peerSide ? Readable : Writable)) != 0 && (peerSide || _down.IsHolding || (events & Failed) != 0);
            bool hungUp = (events & (Failed | LinuxNative.EpollRdHup)) != 0;
            if (up && !_up.Pump(ClientFd, PeerFd, buffer, Owner, toPeer: true, sourceHungUp: hungUp && !peerSide))
            {
                return "client data connection failed";
            }
            return !down || _down.Pump(PeerFd, ClientFd, buffer, Owner, toPeer: false, sourceHungUp: hungUp && peerSide)
                ? null : "peer connection failed";
        }

        internal void Release()
        {
            _up.ReturnHeld();
            _down.ReturnHeld();
            if (_clientRef)
            {
                _clientRef = false;
                _client.DangerousRelease();
            }
            if (_peerRef)
            {
                _peerRef = false;
                _peer.DangerousRelease();
            }
        }
    }
}
