using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Infrastructure;

/// <summary>
/// A scripted WebSocket server on a free loopback port (RFC 6455 upgrade done by hand), to test what the client
/// does with frames a correct server never sends: duplicates, replays, sudden drops.
/// </summary>
internal sealed class FakeSignalingServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<WebSocket> _accepted = Channel.CreateUnbounded<WebSocket>();
    private readonly Task _loop;

    public FakeSignalingServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri WebSocketUri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/ws");

    /// <summary>The next socket a client opened.</summary>
    public async Task<WebSocket> AcceptAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _accepted.Reader.ReadAsync(cts.Token);
    }

    public static async Task SendAsync(WebSocket socket, ServerMessage message)
    {
        await socket.SendAsync(FrameWriter.Write(message), WebSocketMessageType.Text, true, CancellationToken.None);
    }

    public static async Task<ClientMessage> ReceiveAsync(WebSocket socket)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        int length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cts.Token);
            length += result.Count;
            if (result.EndOfMessage)
            {
                var parsed = FrameParser.ParseClient(buffer.AsSpan(0, length));
                return parsed.Message ?? throw new InvalidOperationException(parsed.ErrorMessage);
            }
        }
    }

    /// <summary>The next frame that is not a heartbeat (a <c>ping</c> without <c>id</c>).</summary>
    public static async Task<ClientMessage> ReceiveRequestAsync(WebSocket socket)
    {
        while (true)
        {
            var message = await ReceiveAsync(socket);
            if (message is not { Type: MessageTypes.Ping, Id: null })
            {
                return message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            var client = await _listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            string request = await ReadHeadersAsync(stream);
            string key = request.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
            string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: {SignalingProtocol.SubProtocol}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            await _accepted.Writer.WriteAsync(WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan }));
        }
    }

    private static async Task<string> ReadHeadersAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("client closed during the upgrade");
            }

            bytes.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. bytes]);
    }
}
