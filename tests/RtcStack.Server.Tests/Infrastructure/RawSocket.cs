using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Infrastructure;

/// <summary>A bare WebSocket for bad-input tests: sends exactly the bytes given, reads frames and the close code.</summary>
internal sealed class RawSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private SocketsHttpHandler? _handler;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public WebSocketState State => _socket.State;

    /// <summary>Connects; <paramref name="receiveBufferSize"/> sets SO_RCVBUF before the TCP connect (a small window).</summary>
    public static async Task<RawSocket> ConnectAsync(Uri uri, string? origin = null, int? receiveBufferSize = null)
    {
        var raw = new RawSocket();
        raw._socket.Options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        if (origin is not null)
        {
            raw._socket.Options.SetRequestHeader("Origin", origin);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (receiveBufferSize is not int size)
        {
            await raw._socket.ConnectAsync(uri, cts.Token);
            return raw;
        }
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = size };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        raw._handler = handler; // kept until the socket is disposed
        await raw._socket.ConnectAsync(uri, new HttpMessageInvoker(handler, disposeHandler: false), cts.Token);
        return raw;
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(bytes, type, endOfMessage: true, cts.Token);
    }

    /// <summary>Sends <c>hello</c> with <paramref name="token"/> and returns the answer (welcome or error).</summary>
    public async Task<ServerMessage?> HelloAsync(string token)
    {
        await SendTextAsync($$"""{"type":"hello","v":1,"token":"{{token}}"}""");
        return await ReceiveAsync();
    }

    /// <summary>The next text frame, or null when the socket closed.</summary>
    public async Task<ServerMessage?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var buffer = new byte[256 * 1024];
        int length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(length), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return FrameParser.ParseServer(buffer.AsSpan(0, length));
            }
        }
    }

    /// <summary>Reads until a frame of <paramref name="type"/> arrives (skipping others); null when closed first.</summary>
    public async Task<ServerMessage?> ReceiveTypeAsync(string type)
    {
        while (true)
        {
            var message = await ReceiveAsync();
            if (message is null || message.Type == type)
            {
                return message;
            }
        }
    }

    /// <summary>Reads frames until the server closes; returns the close code.</summary>
    public async Task<int?> WaitForCloseAsync()
    {
        try
        {
            while (await ReceiveAsync() is not null)
            {
            }
        }
        catch (WebSocketException)
        {
            // The server may reset instead of completing the handshake; CloseStatus tells what it sent.
        }

        return (int?)_socket.CloseStatus;
    }

    /// <summary>The client's side of the close handshake (sends close, waits for the server's).</summary>
    public async Task CloseAsync(WebSocketCloseStatus status)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.CloseAsync(status, null, cts.Token);
    }

    /// <summary>Drops the connection without a close frame.</summary>
    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        _handler?.Dispose();
        await Task.CompletedTask;
    }
}
