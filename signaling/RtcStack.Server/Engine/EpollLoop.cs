using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RtcStack.Server.Engine;

/// <summary>
/// One engine thread: an epoll set (edge-triggered) of accepted sockets, first in their handshake (<see cref="PendingHead"/>),
/// then as <see cref="EpollWebSocket"/>s. Each batch of events is read and decoded, the hub's relay continuations run
/// inline, and every socket written to during the batch is flushed at its end: all in one io_uring submission
/// (<see cref="SendRing"/>, <c>Server:EpollSendRing</c>) or with one send() each. Under load the thread
/// then pauses for what remains of the coalescing interval (<see cref="WakeCoalescer"/>) so that the next wake-up
/// serves several messages.
/// Other threads talk to it through a command queue and an eventfd. Only this thread closes the descriptors it watches.
/// </summary>
internal sealed partial class EpollLoop : IDisposable
{
    private const ulong WakeData = ulong.MaxValue;
    private const int MaxEvents = 256;

    [ThreadStatic]
    private static EpollLoop? t_current;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<(Command Kind, object Target)> _commands = new();
    private readonly List<EpollWebSocket> _dirty = [];
    private readonly List<PendingHead> _heads = [];
    private object?[] _slots = new object?[64];
    private uint[] _generations = new uint[64];
    private readonly Stack<int> _free = new();
    private int _nextSlot;
    private readonly Lock _postSync = new();
    private int _wakePending;
    private volatile bool _stopping;

    public EpollLoop(EpollEngine engine, int index)
    {
        Engine = engine;
        _epoll = EpollNative.EpollCreate(EpollNative.Cloexec);
        _wake = EpollNative.EventFd(0, EpollNative.EfdNonBlock | EpollNative.Cloexec);
        if (_epoll < 0 || _wake < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            CloseIfOpen(_epoll);
            CloseIfOpen(_wake);
            throw new InvalidOperationException($"epoll_create1/eventfd failed (errno {errno})");
        }
        var ev = new EpollNative.EpollEvent { Events = EpollNative.EpollIn, Data = WakeData };
        EpollNative.EpollCtl(_epoll, EpollNative.CtlAdd, _wake, ref ev);
        _thread = new Thread(Run) { IsBackground = true, Name = "ws-epoll-" + index };
        _thread.Start();
    }

    private enum Command
    {
        Adopt,
        Resume,
        Close,
    }

    /// <summary>The engine loop running on this thread, if any.</summary>
    public static EpollLoop? Current => t_current;

    public EpollEngine Engine { get; }

    /// <summary>Sockets (handshaking or open) this loop watches.</summary>
    public int Count { get; private set; }

    /// <summary>Takes an accepted socket (any thread): its request head is read on this loop.</summary>
    public void Adopt(Socket socket, EpollListener listener) => Post(Command.Adopt, new PendingHead(socket, listener));

    /// <summary>The hub caught up with a socket whose reading was paused (any thread).</summary>
    public void Resume(EpollWebSocket socket) => Post(Command.Resume, socket);

    /// <summary>Closes the socket's descriptor on this loop (any thread).</summary>
    public void Close(EpollWebSocket socket)
    {
        if (t_current == this)
        {
            socket.CloseSocket();
            return;
        }
        Post(Command.Close, socket);
    }

    /// <summary>Flushes <paramref name="socket"/> at the end of this loop's batch (this thread only).</summary>
    public void QueueFlush(EpollWebSocket socket) => _dirty.Add(socket);

    /// <summary>Turns EPOLLOUT on or off for an open socket (any thread).</summary>
    public void WatchWritable(EpollWebSocket socket, bool on)
    {
        var ev = new EpollNative.EpollEvent { Events = Interest(on), Data = DataFor(socket.Slot) };
        EpollNative.EpollCtl(_epoll, EpollNative.CtlMod, socket.Fd, ref ev);
    }

    public void Dispose()
    {
        lock (_postSync)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            Wake(); // under the lock: ShutDown closes the eventfd only after taking it
        }
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private static void CloseIfOpen(int fd)
    {
        if (fd >= 0)
        {
            EpollNative.Close(fd);
        }
    }

    private static uint Interest(bool writable) =>
        EpollNative.EpollIn | EpollNative.EpollRdHup | EpollNative.EpollEt | (writable ? EpollNative.EpollOut : 0);

    private ulong DataFor(int slot) => ((ulong)_generations[slot] << 32) | (uint)slot;

    /// <summary>
    /// Queues a command (any thread). Once the loop is stopping it is not queued (the eventfd may be closed, its number
    /// reused): an adopted socket is closed here; a socket to close or resume was already aborted by <see cref="ShutDown"/>.
    /// </summary>
    private void Post(Command kind, object target)
    {
        lock (_postSync)
        {
            if (!_stopping)
            {
                _commands.Enqueue((kind, target));
                if (t_current != this)
                {
                    Wake();
                }
                return;
            }
        }
        if (target is PendingHead head)
        {
            head.CloseSocket();
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            EpollNative.Write(_wake, 1UL, sizeof(ulong));
        }
    }

    private void Run()
    {
        t_current = this;
        _ring = Engine.SendRing ? CreateRing() : null;
        var events = new EpollNative.EpollEvent[MaxEvents];
        byte[] scratch = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
        long nextTimeoutCheck = 0;
        var coalescer = new WakeCoalescer(Engine.CoalesceMicroseconds, Engine.CoalesceMinEventsPerSecond);
        while (!_stopping)
        {
            // Commands posted by this thread itself (a resume from a flush) run on the next pass without waiting in epoll_wait
            // (after at most one coalescing pause).
            int timeout = !_commands.IsEmpty ? 0 : _heads.Count > 0 ? 250 : -1;
            int n = EpollNative.EpollWait(_epoll, events, MaxEvents, timeout);
            long wake = coalescer.Enabled ? Stopwatch.GetTimestamp() : 0;
            if (n > 0)
            {
                Engine.Metrics.Batch(n);
                coalescer.OnWake(wake, n);
            }
            for (int i = 0; i < n; i++)
            {
                Guarded(events[i].Data, events[i], scratch, static (loop, ev, s) => loop.Dispatch(ev, s));
            }
            RunCommands(scratch);
            FlushDirty();
            if (_heads.Count > 0 && Environment.TickCount64 >= nextTimeoutCheck)
            {
                nextTimeoutCheck = Environment.TickCount64 + 200;
                try
                {
                    EpollHandshake.ExpireHeads(this, _heads, scratch);
                }
                catch (Exception ex)
                {
                    Failed(Engine.Logger, ex);
                }
            }
            // Everything this batch wrote is flushed above: a pause delays only what arrives meanwhile.
            long pause = n > 0 && coalescer.Enabled ? coalescer.PauseNanoseconds(wake, Stopwatch.GetTimestamp()) : 0;
            if (pause > 0)
            {
                Engine.Metrics.Paused();
                EpollNative.Sleep(pause);
            }
        }
        ShutDown();
    }

    private void Dispatch(EpollNative.EpollEvent ev, byte[] scratch)
    {
        if (ev.Data == WakeData)
        {
            // Drain first, then re-arm: a post after the re-arm writes again; one before it is run by RunCommands below.
            EpollNative.Read(_wake, out _, sizeof(ulong));
            Volatile.Write(ref _wakePending, 0);
            return;
        }
        int slot = (int)(uint)ev.Data;
        if (slot >= _nextSlot || _generations[slot] != (uint)(ev.Data >> 32))
        {
            return; // closed earlier in this batch
        }
        switch (_slots[slot])
        {
            case EpollWebSocket socket:
                if ((ev.Events & EpollNative.EpollOut) != 0)
                {
                    socket.OnWritable();
                }
                if ((ev.Events & ~EpollNative.EpollOut) != 0)
                {
                    socket.OnReadable(scratch, drain: (ev.Events & (EpollNative.EpollRdHup | EpollNative.EpollHup | EpollNative.EpollErr)) != 0);
                }
                break;
            case PendingHead head:
                EpollHandshake.OnReadable(this, head, (ev.Events & (EpollNative.EpollRdHup | EpollNative.EpollHup | EpollNative.EpollErr)) != 0, scratch);
                break;
        }
    }

    private void RunCommands(byte[] scratch)
    {
        while (_commands.TryDequeue(out (Command Kind, object Target) command))
        {
            try
            {
                switch (command.Kind)
                {
                    case Command.Adopt:
                        Register((PendingHead)command.Target);
                        break;
                    case Command.Resume:
                        ((EpollWebSocket)command.Target).OnReadable(scratch, drain: true);
                        break;
                    case Command.Close:
                        ((EpollWebSocket)command.Target).CloseSocket();
                        break;
                }
            }
            catch (Exception ex)
            {
                Failed(Engine.Logger, ex);
                Kill(command.Target);
            }
        }
    }

    /// <summary>Runs one event's work; an exception aborts that socket only (it is logged), never the thread.</summary>
    private void Guarded(ulong data, EpollNative.EpollEvent ev, byte[] scratch, Action<EpollLoop, EpollNative.EpollEvent, byte[]> work)
    {
        try
        {
            work(this, ev, scratch);
        }
        catch (Exception ex)
        {
            Failed(Engine.Logger, ex);
            int slot = (int)(uint)data;
            if (data != WakeData && slot < _nextSlot && _generations[slot] == (uint)(data >> 32) && _slots[slot] is { } target)
            {
                Kill(target);
            }
        }
    }

    /// <summary>After a failure: closes the socket at once (best effort, never throws).</summary>
    private void Kill(object target)
    {
        try
        {
            switch (target)
            {
                case EpollWebSocket socket:
                    socket.Abort();
                    socket.CloseSocket();
                    break;
                case PendingHead head:
                    if (_slots.AsSpan(0, _nextSlot).Contains(head))
                    {
                        Unregister(head);
                    }
                    head.CloseSocket();
                    break;
            }
        }
        catch (Exception ex)
        {
            Failed(Engine.Logger, ex);
        }
    }

    private void ShutDown()
    {
        for (int slot = 0; slot < _nextSlot; slot++)
        {
            if (_slots[slot] is { } target)
            {
                Kill(target);
            }
        }
        lock (_postSync)
        {
            // _stopping is set: nothing is queued any more. Adopted sockets still queued are closed (their gate slots freed).
            while (_commands.TryDequeue(out (Command Kind, object Target) command))
            {
                if (command.Kind != Command.Resume)
                {
                    Kill(command.Target);
                }
            }
            EpollNative.Close(_epoll);
            EpollNative.Close(_wake);
        }
        _ring?.Dispose();
    }

    [LoggerMessage(1025, LogLevel.Information, "Signaling engine: io_uring is not available (errno {Errno}); the engine sends with one send() per socket")]
    private static partial void RingUnavailable(ILogger logger, int errno);

    [LoggerMessage(1022, LogLevel.Error, "Signaling engine: a socket failed on the engine thread and was closed")]
    private static partial void Failed(ILogger logger, Exception exception);
}
