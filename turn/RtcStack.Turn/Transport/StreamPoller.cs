using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Diagnostics;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Reads TCP and TLS client connections on a few threads of our own blocked in epoll_wait (Linux x64), as
/// <see cref="RelayPoller"/> does for UDP relay sockets: a connection's socket is registered once it is accepted, and
/// when it is readable the thread reads it non-blocking into the thread's buffer and processes every complete frame on
/// the spot (<see cref="StreamPollReader"/>), so there is no continuation or thread-pool hop per read and one wake-up
/// serves every ready connection. Level-triggered: one read per ready socket per wake-up; a socket with more to read
/// is reported again by the next epoll_wait, after the other ready sockets. Process-wide, like .NET's own socket engine.
/// </summary>
internal sealed unsafe partial class StreamPoller
{
    private const int MaxEvents = 64;
    private const int WaitMs = 1000;

    private static readonly Lazy<StreamPoller?> SharedInstance = new(Create);

    private readonly int[] _epoll;
    private readonly Lock _lock = new();
    private readonly PollSlotTable<StreamPollReader> _readers = new(64);
    private readonly RelaySlots _relays = new();
    private readonly List<Thread> _threads = [];
    private uint _next;
    private ILogger? _logger;
    private volatile bool _stopping;
    private bool _closed;

    private StreamPoller(int[] epoll, bool startThreads)
    {
        _epoll = epoll;
        for (int i = 0; startThreads && i < epoll.Length; i++)
        {
            var thread = new Thread(Run) { IsBackground = true, Name = $"turn-stream-{i}" };
            _threads.Add(thread);
            thread.Start(epoll[i]);
        }
    }

    /// <summary>The process-wide poller, or null where epoll cannot be used (not Linux x64); the caller reads asynchronously.</summary>
    internal static StreamPoller? Shared => SharedInstance.Value;

    /// <summary>Tests: a poller with one epoll instance and no thread, driven with <see cref="PollOnce"/> (null off Linux x64).</summary>
    internal static StreamPoller? CreateManual() => LinuxNative.IsSupported ? Create(1, startThreads: false) : null;

    /// <summary>Tests: a poller with <paramref name="threads"/> threads of its own, until <see cref="Stop"/> (null off Linux x64).</summary>
    internal static StreamPoller? CreateThreaded(int threads) => LinuxNative.IsSupported ? Create(threads, startThreads: true) : null;

    private static StreamPoller? Create() =>
        Environment.GetEnvironmentVariable("RTCSTACK_TURN_STREAM_POLLER") == "0" ? null : Create(UdpListener.ThreadCount, startThreads: true);

    private static StreamPoller? Create(int count, bool startThreads)
    {
        if (!LinuxNative.IsSupported)
        {
            return null;
        }
        return LinuxNative.CreateEpolls(count) is { } epoll ? new StreamPoller(epoll, startThreads) : null;
    }

    /// <summary>Registers <paramref name="reader"/>'s socket for <paramref name="events"/>; false if the kernel refused it.</summary>
    internal bool Add(StreamPollReader reader, uint events)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }
            int slot = _readers.Reserve(out uint generation);
            reader.PollSlot = slot;
            reader.PollData = ((ulong)generation << 32) | (uint)slot;
            reader.PollFd = _epoll[_next++ % (uint)_epoll.Length];
            _logger = reader.Logger; // a live server's, for failures no connection owns
            _readers.Publish(slot, reader);
            var ev = new LinuxNative.EpollEvent { Events = events, Data = reader.PollData };
            if (LinuxNative.EpollCtl(reader.PollFd, LinuxNative.EpollCtlAdd, reader.Fd, &ev) != 0)
            {
                _readers.Free(slot);
                reader.PollFd = -1;
                reader.PollData = 0;
                return false;
            }
            return true;
        }
    }

    /// <summary>Changes the events watched for a registered reader; false when it is not registered or the kernel refused.</summary>
    internal bool Modify(StreamPollReader reader, uint events)
    {
        lock (_lock)
        {
            if (reader.PollFd < 0)
            {
                return false;
            }
            var ev = new LinuxNative.EpollEvent { Events = events, Data = reader.PollData };
            return LinuxNative.EpollCtl(reader.PollFd, LinuxNative.EpollCtlMod, reader.Fd, &ev) == 0;
        }
    }

    /// <summary>Stops watching <paramref name="reader"/>'s socket; call before the socket is closed. Idempotent.</summary>
    internal void Remove(StreamPollReader reader)
    {
        lock (_lock)
        {
            if (reader.PollFd < 0 || !_readers.Holds(reader.PollSlot, reader))
            {
                return;
            }
            var ev = default(LinuxNative.EpollEvent);
            _ = LinuxNative.EpollCtl(reader.PollFd, LinuxNative.EpollCtlDel, reader.Fd, &ev);
            reader.PollData = 0; // first: a wake-up holding an older slot array still finds the reader there
            _readers.Free(reader.PollSlot);
            reader.PollFd = -1;
        }
    }

    /// <summary>
    /// Serves <paramref name="relay"/>'s socket on the epoll instance <paramref name="epollFd"/> of one of this poller's
    /// threads (the one reading the allocation's client connection); false if the kernel refused it.
    /// </summary>
    internal bool AddRelay(UdpRelay relay, int epollFd)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }
            return _relays.Register(relay, epollFd);
        }
    }

    /// <summary>Stops serving <paramref name="relay"/>'s socket; call before it is closed. Idempotent.</summary>
    internal void RemoveRelay(UdpRelay relay)
    {
        lock (_lock)
        {
            _relays.Unregister(relay);
        }
    }

    private void Run(object? state)
    {
        int epoll = (int)state!;
        using var scratch = new StreamPollScratch();
        while (!_stopping)
        {
            _ = Poll(epoll, WaitMs, scratch);
        }
    }

    /// <summary>Tests (a <see cref="CreateManual"/> poller): one wait and what it reported handled on the calling thread; the number of events.</summary>
    internal int PollOnce(int timeoutMs, StreamPollScratch scratch) => Poll(_epoll[0], timeoutMs, scratch);

    private int Poll(int epoll, int timeoutMs, StreamPollScratch scratch)
    {
        LinuxNative.EpollEvent* events = stackalloc LinuxNative.EpollEvent[MaxEvents];
        int n = LinuxNative.EpollWait(epoll, events, MaxEvents, timeoutMs);
        if (n < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != LinuxNative.EIntr && Volatile.Read(ref _logger) is { } logger)
            {
                TurnLog.ReceiveLoopFailed(logger, new SocketException(errno), "stream poller");
            }
            return 0;
        }
        StreamPollReader?[] slots = _readers.Current;
        for (int i = 0; i < n; i++)
        {
            ulong data = events[i].Data;
            if (((uint)data & RelaySlots.Tag) != 0)
            {
                OnRelay(data, events[i].Events, scratch);
                continue;
            }
            int slot = (int)(uint)data;
            StreamPollReader? reader = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
            if (reader is null || reader.PollData != data)
            {
                continue;
            }
            try
            {
                reader.OnEvent(events[i].Events, scratch);
            }
#pragma warning disable CA1031 // one connection must not stop the thread serving the others; it is logged and closed
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Failed(reader, ex);
            }
        }
        return n;
    }

    /// <summary>A relay socket served by this thread is readable (or has an ICMP error queued): as <see cref="RelayPoller"/> does.</summary>
    private void OnRelay(ulong data, uint events, StreamPollScratch scratch)
    {
        if (_relays.Find(data) is not { } relay)
        {
            return;
        }
        ILogger? logger = Volatile.Read(ref _logger);
        if (relay.Serve(events, scratch.Relay, scratch.RelaySends, scratch.From(relay.Socket.AddressFamily), logger))
        {
            RemoveRelay(relay); // it fails every time: level-triggered, it would spin this thread
            relay.Abandon(logger);
        }
    }

    /// <summary>A connection failed on the poller thread: logged and closed; nothing thrown here may end the thread (and the process).</summary>
    private void Failed(StreamPollReader reader, Exception ex)
    {
        try
        {
            TurnLog.ReceiveLoopFailed(reader.Logger, ex, "stream poller");
            reader.Fail("poller error");
        }
#pragma warning disable CA1031 // a raw thread: an exception escaping it would end the process
        catch (Exception)
#pragma warning restore CA1031
        {
            Remove(reader); // at least stop reporting it (it could be level-triggered readable for ever)
        }
    }
}
