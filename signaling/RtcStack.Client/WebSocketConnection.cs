using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace RtcStack.Client;

/// <summary>
/// One WebSocket: a send loop draining a bounded channel (ClientWebSocket allows one send at a time) and a
/// receive loop that assembles text frames into a pooled buffer and hands each complete frame to
/// <see cref="_onFrame"/>. Closing either loop closes the connection; <see cref="Completion"/> then finishes.
/// </summary>
internal sealed class WebSocketConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly HttpMessageInvoker? _invoker;
    private readonly Channel<byte[]> _outbox;
    private readonly Action<ReadOnlyMemory<byte>> _onFrame;
    private readonly int _maxFrameBytes;
    private readonly CancellationTokenSource _stop = new();
    private Task _sendLoop = Task.CompletedTask;
    private Task _receiveLoop = Task.CompletedTask;
    private int _disposed;

    private WebSocketConnection(ClientWebSocket socket, HttpMessageInvoker? invoker, int queueCapacity, int maxFrameBytes, Action<ReadOnlyMemory<byte>> onFrame)
    {
        _socket = socket;
        _invoker = invoker;
        _maxFrameBytes = maxFrameBytes;
        _onFrame = onFrame;
        _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(queueCapacity) { SingleReader = true });
    }

    /// <summary>Close status the server sent, when it closed the socket.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>Close description the server sent.</summary>
    public string? CloseDescription => _socket.CloseStatusDescription;

    /// <summary>Finishes when both loops have stopped.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public static async Task<WebSocketConnection> OpenAsync(SignalingClientOptions options, Action<ReadOnlyMemory<byte>> onFrame, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        if (options.RequestSubProtocol)
        {
            socket.Options.AddSubProtocol("rtcstack.v1");
        }

        if (options.Origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", options.Origin);
        }

        HttpMessageInvoker? invoker = options.LocalAddress is null ? null : CreateBoundInvoker(options.LocalAddress);
        var connection = new WebSocketConnection(socket, invoker, options.SendQueueCapacity, options.MaxReceiveFrameBytes, onFrame);
        try
        {
            await socket.ConnectAsync(options.ServerUri!, invoker, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        connection._sendLoop = Task.Run(connection.SendLoopAsync, CancellationToken.None);
        connection._receiveLoop = Task.Run(connection.ReceiveLoopAsync, CancellationToken.None);
        connection.Completion = Task.WhenAll(connection._sendLoop, connection._receiveLoop);
        return connection;
    }

    /// <summary>Queues one UTF-8 JSON text frame; waits only when the send queue is full.</summary>
    public ValueTask SendAsync(byte[] frame, CancellationToken cancellationToken) => _outbox.Writer.WriteAsync(frame, cancellationToken);

    /// <summary>Starts a normal close handshake after the queued frames are sent.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        _outbox.Writer.TryComplete();
        try
        {
            await _sendLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, description, cancellationToken).ConfigureAwait(false);
            }

            await _receiveLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            Abort();
        }
    }

    /// <summary>Drops the connection at once, as a network failure would.</summary>
    public void Abort()
    {
        _outbox.Writer.TryComplete();
        try
        {
            _socket.Abort();
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: nothing left to abort.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Abort();
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The loops end by exception when aborted; nothing is left to do.
        }

        _socket.Dispose();
        _invoker?.Dispose();
        _stop.Dispose();
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Abort();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= _maxFrameBytes)
                        {
                            Abort();
                            return;
                        }

                        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _maxFrameBytes));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token).ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _outbox.Writer.TryComplete();
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    _onFrame(buffer.AsMemory(0, length));
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static HttpMessageInvoker CreateBoundInvoker(IPAddress localAddress)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(localAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(localAddress, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpMessageInvoker(handler);
    }
}
