using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;

namespace RtcStack.Turn.Transport;

/// <summary>A TCP or TLS listening socket and its accept loop; each connection runs <see cref="StreamConnection"/>.</summary>
internal sealed class StreamListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CertificateSource? _certificates;
    private readonly ILogger _logger;
    private readonly RtcStack.Net.ConnectionSlots _slots;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<StreamConnection, Task> _connections = new();
    private Task _accept = Task.CompletedTask;

    internal StreamListener(IPEndPoint endPoint, CertificateSource? certificates, RtcStack.Net.ConnectionSlots slots, ILogger logger)
    {
        _slots = slots;
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = false;
        }
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endPoint);
        _socket.Listen(512);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _certificates = certificates;
        _logger = logger;
    }

    internal IPEndPoint LocalEndPoint { get; }

    internal bool IsTls => _certificates is not null;

    internal void Start(TurnMessageProcessor processor) => _accept = Task.Run(() => AcceptLoopAsync(processor));

    private async Task AcceptLoopAsync(TurnMessageProcessor processor)
    {
        CancellationToken token = _stop.Token;
        var throttle = new AcceptThrottle(_logger, LocalEndPoint.ToString());
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                // A slot first: at the limit, new connections wait in the backlog and hold no descriptor.
                await _slots.TakeAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                client = await _socket.AcceptAsync(token).ConfigureAwait(false);
                throttle.OnSuccess();
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                _slots.Return();
                return;
            }
            catch (SocketException ex)
            {
                _slots.Return();
                if (!RtcStack.Net.AcceptBackoff.IsResourceExhaustion(ex))
                {
                    TurnLog.ReceiveLoopFailed(_logger, ex, LocalEndPoint.ToString());
                }
                try
                {
                    await throttle.AfterFailureAsync(ex, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            var connection = new StreamConnection(client, _certificates, processor, _logger);
            _connections[connection] = Task.Run(async () =>
            {
                try
                {
                    await connection.RunAsync(token).ConfigureAwait(false);
                }
                finally
                {
                    _connections.TryRemove(connection, out _);
                    _slots.Return();
                }
            }, CancellationToken.None);
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
        await _accept.ConfigureAwait(false);
        foreach (StreamConnection c in _connections.Keys)
        {
            c.Close();
        }
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stop.Dispose();
    }
}
