using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Stun;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>
/// A UDP listening socket (RFC 8656 over UDP) and its receive loop: one pinned buffer, one reused
/// <see cref="SocketAddress"/>, so receiving and relaying a datagram allocates nothing.
/// </summary>
internal sealed class UdpListener : IAsyncDisposable
{
    private const int BufferSize = 65536;

    private readonly Socket _socket;
    private TurnMessageProcessor? _processor;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

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
        _loop = Task.Run(ReceiveLoopAsync);
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        SocketAddress from = SocketAddressReader.Create(_socket.AddressFamily);
        var endpoint = new UdpListenerEndpoint(_socket, from);
        var ingress = new IngressState();
        TransportAddress local = TransportAddress.FromEndPoint(LocalEndPoint);
        CancellationToken token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
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
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected.
        }
        _stop.Dispose();
    }
}
