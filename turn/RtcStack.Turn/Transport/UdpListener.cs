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

    internal void Start(TurnMessageProcessor processor)
    {
        _processor = processor;
        int count = Math.Clamp(Environment.ProcessorCount, 1, 4);
        for (int i = 0; i < count; i++)
        {
            var thread = new Thread(ReceiveLoop) { IsBackground = true, Name = $"turn-udp-{LocalEndPoint.Port}-{i}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>
    /// Blocking receive on a dedicated thread (several per socket, one per core): receive, handle and send on one
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
