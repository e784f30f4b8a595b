using System.Net.Sockets;
using System.Runtime.InteropServices;
using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The listening socket of one RFC 6062 TCP allocation (§5.3) accepted on <see cref="TcpRelayLoop"/>'s epoll instead
/// of .NET's socket engine: readable (edge triggered), the loop calls <see cref="Drain"/>, which accepts every pending
/// connection with a non-blocking accept4(2) until EAGAIN and hands each accepted descriptor and peer address to the
/// owner on the thread pool (the permission check, the ConnectionAttempt and the log line run there, never on the
/// relay thread). No async accept loop, engine registration or cancellation exception per allocation, and the
/// accepted sockets are non-blocking from the start, ready for the loop. Out of descriptors or kernel memory,
/// <see cref="Drain"/> stops and returns the errno: the owner waits (<see cref="AcceptThrottle"/>) and drains again
/// (pending peers wait in the backlog meanwhile, and a new arrival is a new edge). <see cref="Stop"/> (allocation
/// closed) waits for a drain in progress, after which the listening descriptor is never touched here again. A flood
/// of connections (any host may connect; the permission check comes after the hand-off) cannot hold the relay thread:
/// a drain accepts at most <see cref="MaxPerDrain"/> (then <c>more</c>: the loop drains again on its next turn, since
/// no EAGAIN means no new edge), and none while <c>maxPending</c> hand-offs wait on the thread pool (those peers would
/// be refused as over the allocation's limit anyway); the hand-off that brings them below it drains again on the
/// thread pool. Peers meanwhile wait in the listen backlog.
/// </summary>
internal sealed unsafe class TcpRelayAccept
{
    private const int EIntr = 4, EConnAborted = 103, EProto = 71, EPerm = 1, ENetDown = 100,
        ENoProtoOpt = 92, EHostDown = 112, ENoNet = 64, EHostUnreach = 113, EOpNotSupp = 95, ENetUnreach = 101;

    private readonly Lock _lock = new();
    private readonly ITcpRelayAcceptor _owner;
    private readonly int _maxPending;
    private bool _stopped;
    private int _pending; // hand-offs queued and not yet run
    private int _held; // 1 while a drain stopped at _maxPending and no hand-off has taken over since

    /// <param name="listenerFd">The listening descriptor (non-blocking); the caller keeps it open until <see cref="Stop"/> returned.</param>
    /// <param name="owner">Gets the accepted connections.</param>
    /// <param name="maxPending">Hand-offs waiting on the thread pool at which accepting pauses.</param>
    internal TcpRelayAccept(int listenerFd, ITcpRelayAcceptor owner, int maxPending = int.MaxValue)
    {
        Fd = listenerFd;
        _owner = owner;
        _maxPending = Math.Max(maxPending, 1);
    }

    /// <summary>Connections accepted per <see cref="Drain"/> at most.</summary>
    internal const int MaxPerDrain = 32;

    internal int Fd { get; }

    internal ITcpRelayAcceptor Owner => _owner;

    /// <summary>The loop's registration id (high half of the epoll data).</summary>
    internal uint Id { get; set; }

    /// <summary>
    /// Accepts pending connections (at most <see cref="MaxPerDrain"/>) and queues each to the owner; 0 when the
    /// backlog is empty, stopped, capped (<paramref name="more"/>: call again soon) or paused at the pending limit (a
    /// hand-off resumes it), else the errno that stopped it (out of descriptors or memory: call again later).
    /// </summary>
    internal int Drain(out bool more)
    {
        more = false;
        byte* address = stackalloc byte[SocketAddressReader.SockaddrIn6];
        lock (_lock)
        {
            int accepted = 0;
            while (!_stopped)
            {
                if (accepted == MaxPerDrain)
                {
                    more = true;
                    return 0;
                }
                if (Volatile.Read(ref _pending) >= _maxPending && Pause())
                {
                    return 0;
                }
                int length = SocketAddressReader.SockaddrIn6;
                int fd = LinuxNative.Accept4(Fd, address, &length, LinuxNative.AcceptNonBlockCloexec);
                if (fd >= 0)
                {
                    accepted++;
                    Interlocked.Increment(ref _pending);
                    ThreadPool.UnsafeQueueUserWorkItem(new Accepted(this, fd, Read(address)), preferLocal: false);
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (IsResourceExhaustion(errno))
                {
                    return errno;
                }
                if (!IsTransient(errno))
                {
                    return 0; // EAGAIN (drained), or the listener is gone
                }
            }
        }
        return 0;
    }

    /// <summary>
    /// Drains on the thread pool until the backlog is empty, paused or stopped (exhaustion goes to the owner); for
    /// callers that are not the loop (which drains a capped accept again on its next turn).
    /// </summary>
    internal void DrainLater() => ThreadPool.UnsafeQueueUserWorkItem(new Resume(this), preferLocal: false);

    /// <summary>Marks the drain paused; false when the hand-offs fell below the limit meanwhile (keep accepting).</summary>
    private bool Pause()
    {
        Volatile.Write(ref _held, 1); // first: a hand-off that completes after this sees it and resumes
        return Volatile.Read(ref _pending) >= _maxPending || Interlocked.CompareExchange(ref _held, 0, 1) != 1;
    }

    /// <summary>A hand-off ran: below the limit again, a paused drain resumes (here, on the thread pool).</summary>
    private void HandedOff()
    {
        if (Interlocked.Decrement(ref _pending) < _maxPending && Volatile.Read(ref _held) == 1
            && Interlocked.CompareExchange(ref _held, 0, 1) == 1)
        {
            DrainLater();
        }
    }

    /// <summary>No drain after this returns (a drain in progress is waited for); the caller may then close the listener.</summary>
    internal void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
        }
    }

    /// <summary>EMFILE, ENFILE, ENOBUFS, ENOMEM as the <see cref="SocketException"/> <see cref="RtcStack.Net.AcceptBackoff"/> reads.</summary>
    internal static SocketException ToException(int errno) => new((int)(errno is LinuxNative.EMFile or LinuxNative.ENFile
        ? SocketError.TooManyOpenSockets : SocketError.NoBufferSpaceAvailable));

    internal static bool IsResourceExhaustion(int errno) =>
        errno is LinuxNative.EMFile or LinuxNative.ENFile or LinuxNative.ENoBufs or LinuxNative.ENoMem;

    /// <summary>accept(2): a connection that failed in the backlog (the man page's list of "pending network errors"), or a signal: accept again.</summary>
    private static bool IsTransient(int errno) => errno is EIntr or EConnAborted or EProto or EPerm or ENetDown or ENoProtoOpt
        or EHostDown or ENoNet or EHostUnreach or EOpNotSupp or ENetUnreach;

    /// <summary>The peer address accept4 wrote (sockaddr_in or sockaddr_in6), IPv4-mapped addresses normalised.</summary>
    private static TransportAddress Read(byte* address) =>
        SocketAddressReader.Read(new ReadOnlySpan<byte>(address, SocketAddressReader.SockaddrIn6));

    /// <summary>One accepted connection on its way to the owner (thread pool).</summary>
    private sealed class Accepted(TcpRelayAccept accept, int fd, TransportAddress peer) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            try
            {
                accept._owner.Accepted(fd, peer);
            }
            finally
            {
                accept.HandedOff();
            }
        }
    }

    /// <summary>A drain off the loop's thread: again while capped (each batch its own work item).</summary>
    private sealed class Resume(TcpRelayAccept accept) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            if (accept.Drain(out bool more) is var errno and not 0)
            {
                accept._owner.AcceptExhausted(errno);
            }
            else if (more)
            {
                accept.DrainLater();
            }
        }
    }
}
