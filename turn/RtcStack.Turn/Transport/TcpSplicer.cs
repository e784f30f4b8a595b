using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The RFC 6062 raw relay on Linux x64 for plain TCP data connections: bytes move between the client data
/// connection and the peer connection with splice(2) through one kernel pipe per direction, so they are never
/// copied into the process and no managed code runs per chunk. One thread waits in epoll_wait (edge triggered) on
/// every spliced socket and, when one is ready, moves what both directions can move until the kernel says EAGAIN,
/// inline, as coturn's event loop does: no task, continuation or thread-pool hop per read. Backpressure: a direction
/// reads from its source only when its pipe is empty, so at most one pipe (64 KB) per direction is in flight and a
/// slow reader holds the writer back through TCP flow control. An end of stream is passed on as a half close once
/// the pipe is drained; an error on either side ends both. The sockets' handles are referenced while spliced, so a
/// concurrent Dispose (allocation deleted) shuts them down and waits for this thread to let go: a descriptor
/// number is never reused under it.
/// </summary>
internal sealed unsafe class TcpSplicer
{
    private const int MaxEvents = 64;
    private const int WaitMs = 250;
    private const int ChunkBytes = 64 * 1024;
    private const ulong PeerSide = 1u << 31; // in epoll data: the event is for the peer socket

    private static readonly Lazy<TcpSplicer?> SharedInstance = new(Create);

    private readonly int _epoll;
    private readonly Lock _lock = new();
    private readonly Stack<int> _free = new();
    private Pair?[] _slots = new Pair?[64];
    private int _used;
    private uint _generation;
    private long _pumpAllocatedBytes;
    private long _pumpAllocatedBytesPublished;

    private TcpSplicer(int epoll)
    {
        _epoll = epoll;
        new Thread(Run) { IsBackground = true, Name = "turn-tcp-splice" }.Start();
    }

    /// <summary>The process-wide splicer, or null where splice cannot be used (not Linux x64, or no epoll).</summary>
    internal static TcpSplicer? Shared => SharedInstance.Value;

    /// <summary>
    /// Bytes the splice thread allocated while moving data (in every pump, not in registering or finishing a pair),
    /// published after each batch of events and at least every 250 ms; the allocation-free test reads it.
    /// </summary>
    internal long PumpAllocatedBytes => Volatile.Read(ref _pumpAllocatedBytesPublished);

    /// <summary>
    /// Relays between <paramref name="client"/> and <paramref name="peer"/> until both directions ended or one
    /// failed, or <paramref name="owner"/> is closed; the task gives the failure (null when both ended cleanly).
    /// Null when the sockets could not be registered (the caller relays another way).
    /// </summary>
    internal Task<string?>? TryRelay(TcpPeerConnection owner, Socket client, Socket peer)
    {
        var pair = new Pair(owner, client, peer);
        if (!pair.Open())
        {
            pair.Release();
            return null;
        }
        lock (_lock)
        {
            int slot;
            if (_free.Count > 0)
            {
                slot = _free.Pop();
            }
            else
            {
                if (_used == _slots.Length)
                {
                    Array.Resize(ref _slots, _used * 2);
                }
                slot = _used++;
            }
            pair.Slot = slot;
            pair.Generation = ++_generation;
            _slots[slot] = pair;
            var ev = new LinuxNative.EpollEvent
            {
                Events = LinuxNative.EpollIn | LinuxNative.EpollOut | LinuxNative.EpollRdHup | LinuxNative.EpollEt,
                Data = ((ulong)pair.Generation << 32) | (uint)slot,
            };
            if (LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlAdd, pair.ClientFd, &ev) != 0)
            {
                Forget(pair);
                pair.Release();
                return null;
            }
            ev.Data |= PeerSide;
            if (LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlAdd, pair.PeerFd, &ev) != 0)
            {
                _ = LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlDel, pair.ClientFd, &ev);
                Forget(pair);
                pair.Release();
                return null;
            }
        }
        return pair.Done.Task;
    }

    private static TcpSplicer? Create()
    {
        if (!LinuxNative.IsSupported)
        {
            return null;
        }
        int epoll = LinuxNative.EpollCreate(LinuxNative.EpollCloexec);
        return epoll < 0 ? null : new TcpSplicer(epoll);
    }

    /// <summary>Frees the slot (caller holds the lock).</summary>
    private void Forget(Pair pair)
    {
        _slots[pair.Slot] = null;
        _free.Push(pair.Slot);
    }

    private void Run()
    {
        LinuxNative.EpollEvent* events = stackalloc LinuxNative.EpollEvent[MaxEvents];
        while (true)
        {
            int n = LinuxNative.EpollWait(_epoll, events, MaxEvents, WaitMs);
            for (int i = 0; i < n; i++)
            {
                ulong data = events[i].Data;
                Pair? pair;
                lock (_lock)
                {
                    int slot = (int)((uint)data & ~(uint)PeerSide);
                    pair = slot < _slots.Length ? _slots[slot] : null;
                }
                if (pair is null || pair.Generation != (uint)(data >> 32))
                {
                    continue;
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                string? failure = pair.Owner.IsClosed ? "closed" : pair.Pump((data & PeerSide) != 0, events[i].Events);
                _pumpAllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
                if (failure is not null || pair.Finished)
                {
                    Finish(pair, failure == "closed" ? null : failure);
                }
            }
            Volatile.Write(ref _pumpAllocatedBytesPublished, _pumpAllocatedBytes);
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

    /// <summary>One spliced data connection: the two sockets and a pipe per direction.</summary>
    private sealed class Pair
    {
        private readonly Socket _clientSocket, _peerSocket;
        private readonly SafeHandle _client, _peer;
        private bool _clientRef, _peerRef;
        private Direction _up, _down;

        internal Pair(TcpPeerConnection owner, Socket client, Socket peer)
        {
            Owner = owner;
            _clientSocket = client;
            _peerSocket = peer;
            _client = client.SafeHandle;
            _peer = peer.SafeHandle;
        }

        internal TcpPeerConnection Owner { get; }

        internal TaskCompletionSource<string?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal int ClientFd { get; private set; } = -1;

        internal int PeerFd { get; private set; } = -1;

        internal int Slot { get; set; }

        internal uint Generation { get; set; }

        internal bool Finished => _up.Shut && _down.Shut;

        /// <summary>References both handles and makes the pipes; false on failure (call <see cref="Release"/>).</summary>
        internal bool Open()
        {
            _up.PipeRead = _up.PipeWrite = _down.PipeRead = _down.PipeWrite = -1;
            try
            {
                _client.DangerousAddRef(ref _clientRef);
                _peer.DangerousAddRef(ref _peerRef);
                _clientSocket.Blocking = false;
                _peerSocket.Blocking = false;
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                return false; // closed meanwhile: the caller's fallback sees it and closes
            }
            ClientFd = (int)_client.DangerousGetHandle();
            PeerFd = (int)_peer.DangerousGetHandle();
            return _up.OpenPipe() && _down.OpenPipe();
        }

        /// <summary>
        /// Moves what the event on one socket (<paramref name="peerSide"/> or the client's) lets move: readable, the
        /// direction that reads it; writable, the direction that writes it (a hang-up or error, both). Pumping only
        /// those saves a system call that would fail with EAGAIN per event. A failure reason, or null.
        /// </summary>
        internal string? Pump(bool peerSide, uint events)
        {
            const uint Readable = LinuxNative.EpollIn | LinuxNative.EpollRdHup | LinuxNative.EpollHup | LinuxNative.EpollErr;
            const uint Writable = LinuxNative.EpollOut | LinuxNative.EpollHup | LinuxNative.EpollErr;
            bool up = (events & (peerSide ? Writable : Readable)) != 0;
            bool down = (events & (peerSide ? Readable : Writable)) != 0;
            if (up && !_up.Pump(ClientFd, PeerFd, Owner, toPeer: true))
            {
                return "client data connection failed";
            }
            return !down || _down.Pump(PeerFd, ClientFd, Owner, toPeer: false) ? null : "peer connection failed";
        }

        internal void Release()
        {
            _up.ClosePipe();
            _down.ClosePipe();
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

    /// <summary>One direction: source socket → pipe → destination socket.</summary>
    private struct Direction
    {
        internal int PipeRead, PipeWrite;
        internal int Pending;
        internal bool Eof, Shut;

        internal bool OpenPipe()
        {
            int* fds = stackalloc int[2];
            if (LinuxNative.Pipe2(fds, LinuxNative.OCloexec | LinuxNative.ONonblock) != 0)
            {
                return false;
            }
            PipeRead = fds[0];
            PipeWrite = fds[1];
            return true;
        }

        internal void ClosePipe()
        {
            if (PipeRead >= 0)
            {
                _ = LinuxNative.Close(PipeRead);
                _ = LinuxNative.Close(PipeWrite);
                PipeRead = PipeWrite = -1;
            }
        }

        /// <summary>Moves until EAGAIN or the end; false on an error.</summary>
        internal bool Pump(int source, int destination, TcpPeerConnection owner, bool toPeer)
        {
            while (!Shut)
            {
                if (Pending > 0)
                {
                    nint written = LinuxNative.Splice(PipeRead, null, destination, null, (nuint)Pending,
                        LinuxNative.SpliceMove | LinuxNative.SpliceNonblock);
                    if (written < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == LinuxNative.EIntr)
                        {
                            continue;
                        }
                        return errno == LinuxNative.EAgain;
                    }
                    Pending -= (int)written;
                    owner.Owner.Relayed((int)written, toPeer);
                    continue;
                }
                if (Eof)
                {
                    _ = LinuxNative.Shutdown(destination, LinuxNative.ShutWr);
                    Shut = true;
                    return true;
                }
                nint read = LinuxNative.Splice(source, null, PipeWrite, null, ChunkBytes,
                    LinuxNative.SpliceMove | LinuxNative.SpliceNonblock);
                if (read < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LinuxNative.EIntr)
                    {
                        continue;
                    }
                    return errno == LinuxNative.EAgain;
                }
                if (read == 0)
                {
                    Eof = true;
                }
                Pending += (int)read;
            }
            return true;
        }
    }
}
