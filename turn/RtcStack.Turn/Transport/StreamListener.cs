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
    /// <summary>Most simultaneous connections per listener; more are closed at once.</summary>
    internal const int MaxConnections = 20000;

    private readonly Socket _socket;
    private readonly CertificateSource? _certificates;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<StreamConnection, Task> _connections = new();
    private Task _accept = Task.CompletedTask;

    internal StreamListener(IPEndPoint endPoint, CertificateSource? certificates, ILogger logger)
    {
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
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                TurnLog.ReceiveLoopFailed(_logger, ex, LocalEndPoint.ToString());
                continue;
            }
            if (_connections.Count >= MaxConnections)
            {
                client.Dispose();
                continue;
            }
            var connection = new StreamConnection(client, _certificates, processor, _logger);
            _connections[connection] = Task.Run(async () =>
            {
                await connection.RunAsync(token).ConfigureAwait(false);
                _connections.TryRemove(connection, out _);
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
