using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Diagnostics;

namespace RtcStack.Turn.Transport;

/// <summary>
/// Receives on every UDP relay socket with a few threads blocked in epoll_wait (Linux x64), the way coturn's
/// relay threads do: when a relay socket is readable its thread drains it with recvmmsg (up to 32 datagrams a
/// call) and relays the batch on the spot with one sendmmsg to the client, so there is no per-datagram task,
/// continuation or thread-pool hop, and one wake-up serves every datagram queued on every ready socket. Each
/// thread owns one epoll instance, one receive and one send batch; relays are spread over the threads round-robin.
/// </summary>
internal sealed unsafe class RelayPoller : IDisposable
{
    private const int MaxEvents = 64;
    private const int WaitMs = 250;
    private const int BatchSize = 32;

    private readonly int[] _epoll;
    private readonly Thread[] _threads;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly RelaySlots _relays = new();
    private int _next;
    private volatile bool _stopping;

    private RelayPoller(int[] epoll, ILogger logger)
    {
        _epoll = epoll;
        _logger = logger;
        _threads = new Thread[epoll.Length];
        for (int i = 0; i < epoll.Length; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"turn-relay-{i}" };
            _threads[i].Start(epoll[i]);
        }
    }

    /// <summary>A poller with <see cref="UdpListener.ThreadCount"/> threads, or null where epoll cannot be used.</summary>
    internal static RelayPoller? TryCreate(ILogger logger)
    {
        if (!LinuxNative.IsSupported)
        {
            return null;
        }
        int count = UdpListener.ThreadCount;
        return LinuxNative.CreateEpolls(count) is { } epoll ? new RelayPoller(epoll, logger) : null;
    }

    /// <summary>Starts watching <paramref name="relay"/>'s socket; false if the kernel refused it.</summary>
    internal bool Add(UdpRelay relay)
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return false;
            }
            return _relays.Register(relay, _epoll[(int)((uint)_next++ % (uint)_epoll.Length)]);
        }
    }

    /// <summary>Stops watching <paramref name="relay"/>; call before its socket is closed.</summary>
    internal void Remove(UdpRelay relay)
    {
        lock (_lock)
        {
            _relays.Unregister(relay);
        }
    }

    private void Run(object? state)
    {
        int epoll = (int)state!;
        using var batch = new DatagramBatch(BatchSize, UdpRelay.Headroom + UdpRelay.MaxPayload + UdpRelay.Tailroom, UdpRelay.Headroom, UdpRelay.MaxPayload);
        using var sends = new SendBatch(BatchSize);
        SocketAddress from4 = SocketAddressReader.Create(AddressFamily.InterNetwork);
        SocketAddress from6 = SocketAddressReader.Create(AddressFamily.InterNetworkV6);
        LinuxNative.EpollEvent* events = stackalloc LinuxNative.EpollEvent[MaxEvents];
        while (!_stopping)
        {
            int n = LinuxNative.EpollWait(epoll, events, MaxEvents, WaitMs);
            if (n < 0)
            {
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == LinuxNative.EIntr)
                {
                    continue;
                }
                TurnLog.ReceiveLoopFailed(_logger, new SocketException(errno), "relay poller");
                return;
            }
            for (int i = 0; i < n; i++)
            {
                if (_relays.Find(events[i].Data) is not { } relay)
                {
                    continue;
                }
                SocketAddress from = relay.Socket.AddressFamily == AddressFamily.InterNetworkV6 ? from6 : from4;
                if (relay.Serve(events[i].Events, batch, sends, from, _logger))
                {
                    Remove(relay); // it fails every time: level-triggered, it would spin this thread
                    relay.Abandon(_logger);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
        }
        foreach (Thread thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }
        lock (_lock)
        {
            _relays.DetachAll(); // nothing keeps a closed epoll fd number for a later Remove
        }
        foreach (int epoll in _epoll)
        {
            _ = LinuxNative.Close(epoll);
        }
    }
}
