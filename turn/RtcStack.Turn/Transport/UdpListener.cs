using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Stun;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// A UDP listening socket (RFC 8656 over UDP) and its receive threads: each with one pinned buffer and one
/// reused <see cref="SocketAddress"/>, so receiving and relaying a datagram allocates nothing.
/// </summary>
internal sealed class UdpListener : IAsyncDisposable
{
    private const int BufferSize = 65536;
    private const int BatchSize = 32;

    /// <summary>Largest client datagram on the batched path (jumbo frames fit); larger ones are dropped.</summary>
    private const int BatchSlotSize = 9216;

    private const int EBadF = 9, ENotSock = 88;

    private readonly Socket _socket;
    private TurnMessageProcessor? _processor;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];

    internal UdpListener(IPEndPoint endPoint, ILogger logger)
    {
        _socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = false;
        }
        _socket.ReceiveBufferSize = 4 * 1024 * 1024;
        _socket.SendBufferSize = 4 * 1024 * 1024;
        _socket.Bind(endPoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _logger = logger;
    }

    internal IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Receive threads per UDP listener, and relay poller threads: half the cores each (at least 1, at most 4), so
    /// together about one thread per core. On the 2-core bench machine 1 + 1 threads used about a quarter less CPU
    /// per relayed message than 2 + 2 (fewer context switches, fuller batches; see bench/turn/README.md).
    /// </summary>
    internal static int ThreadCount => Math.Clamp(Environment.ProcessorCount / 2, 1, 4);

    internal void Start(TurnMessageProcessor processor)
    {
        _processor = processor;
        bool batched = LinuxNative.IsSupported;
        if (batched)
        {
            _socket.Blocking = true;
            _socket.ReceiveTimeout = 250; // SO_RCVTIMEO: the blocked recvmmsg returns now and then to see a stop
        }
        int count = ThreadCount;
        for (int i = 0; i < count; i++)
        {
            var thread = new Thread(batched ? BatchedReceiveLoop : ReceiveLoop) { IsBackground = true, Name = $"turn-udp-{LocalEndPoint.Port}-{i}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>
    /// Blocking receive on a dedicated thread (<see cref="ThreadCount"/> per socket): receive, handle and send on one
    /// thread with no async machinery or thread-pool hop per datagram.
    /// </summary>
    private void ReceiveLoop()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        SocketAddress from = SocketAddressReader.Create(_socket.AddressFamily);
        var endpoint = new UdpListenerEndpoint(_socket, from);
        var ingress = new IngressState();
        TransportAddress local = TransportAddress.FromEndPoint(LocalEndPoint);
        while (!_stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException && _stop.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException ex)
            {
                TurnLog.ReceiveLoopFailed(_logger, ex, LocalEndPoint.ToString());
                return;
            }
            var fiveTuple = new FiveTuple(SocketAddressReader.Read(from), local, TransportProtocol.Udp);
            try
            {
                _processor!.Process(buffer.AsSpan(0, received), fiveTuple, endpoint, ingress);
            }
#pragma warning disable CA1031 // nothing a client sends may stop the loop; the failure is logged
            catch (Exception ex)
#pragma warning restore CA1031
            {
                TurnLog.ReceiveLoopFailed(_logger, ex, LocalEndPoint.ToString());
            }
        }
    }

    /// <summary>
    /// Linux x64: like <see cref="ReceiveLoop"/>, but one recvmmsg returns every queued datagram (up to 32; it blocks
    /// for the first only), and the datagrams they carry for peers leave with one sendmmsg per relay socket
    /// (<see cref="IngressState.PeerSends"/>, flushed after the batch); so do the answers to clients (copied), with
    /// one sendmmsg on the listener socket.
    /// </summary>
    private void BatchedReceiveLoop()
    {
        using var batch = new DatagramBatch(BatchSize, BatchSlotSize, 0, BatchSlotSize);
        using var sends = new SendBatch(BatchSize);
        SocketAddress from = SocketAddressReader.Create(_socket.AddressFamily);
        var endpoint = new UdpListenerEndpoint(_socket, from, sends); // answers leave with the batch's flush
        var ingress = new IngressState { PeerSends = sends };
        TransportAddress local = TransportAddress.FromEndPoint(LocalEndPoint);
        while (!_stop.IsCancellationRequested)
        {
            int received = ReceiveBatch(batch, out int errno);
            if (received < 0)
            {
                if (errno is EBadF or ENotSock)
                {
                    return; // closed
                }
                continue; // EAGAIN (the receive timeout), EINTR, or an error for one datagram
            }
            for (int i = 0; i < received; i++)
            {
                if (batch.Truncated(i))
                {
                    continue;
                }
                batch.CopyAddress(i, from);
                var fiveTuple = new FiveTuple(SocketAddressReader.Read(from), local, TransportProtocol.Udp);
                try
                {
                    _processor!.Process(batch.Datagram(i), fiveTuple, endpoint, ingress);
                }
#pragma warning disable CA1031 // nothing a client sends may stop the loop; the failure is logged
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    TurnLog.ReceiveLoopFailed(_logger, ex, LocalEndPoint.ToString());
                }
            }
            sends.Flush();
        }
    }

    private int ReceiveBatch(DatagramBatch batch, out int errno)
    {
        errno = 0;
        System.Runtime.InteropServices.SafeHandle handle = _socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            errno = EBadF;
            return -1;
        }
        try
        {
            int received = batch.Receive((int)handle.DangerousGetHandle(), LinuxNative.MsgWaitForOne);
            if (received < 0)
            {
                errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            }
            return received;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Not connected (UDP): closing below still wakes the blocked receives.
        }
        _socket.Dispose();
        foreach (Thread thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }
        _stop.Dispose();
    }
}
