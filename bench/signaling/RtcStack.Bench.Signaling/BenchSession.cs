using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace RtcStack.Bench.Signaling;

/// <summary>One load session: a raw WebSocket speaking either RtcStack protocol v1 or PeerJS's protocol.</summary>
internal sealed class BenchSession : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly HttpMessageInvoker _invoker;
    private Func<BenchSession, ReadOnlyMemory<byte>, Task>? _onFrame;

    private BenchSession(string id, IPAddress local)
    {
        Id = id;
        _socket.Options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    s.Bind(new IPEndPoint(local, 0));
                    await s.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        });
    }

    public string Id { get; }

    public string? Peer { get; set; }

    public string? Room { get; set; }

    public bool Closed { get; private set; }

    /// <summary>Opens and authenticates: <c>hello</c>/<c>welcome</c> (rtcstack) or the <c>OPEN</c> frame (peerjs).</summary>
    public static async Task<BenchSession> OpenAsync(LoadOptions o, string id, string? token, IPAddress local, CancellationToken ct)
    {
        var session = new BenchSession(id, local);
        var uri = o.Proto == "rtcstack" ? new Uri(o.Url + "/ws") : new Uri($"{o.Url}/peerjs?key=peerjs&id={id}&token=t{id}");
        await session._socket.ConnectAsync(uri, session._invoker, ct);
        if (o.Proto == "rtcstack")
        {
            await session.SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"hello","v":1,"token":"{{token}}"}"""));
        }

        string first = await session.ReceiveOneAsync(ct);
        bool ok = o.Proto == "rtcstack" ? first.Contains("\"welcome\"", StringComparison.Ordinal) : first.Contains("\"OPEN\"", StringComparison.Ordinal);
        if (!ok)
        {
            await session.DisposeAsync();
            throw new InvalidOperationException("not authenticated: " + first[..Math.Min(first.Length, 200)]);
        }

        return session;
    }

    /// <summary>Sends a request and waits for the first frame that contains <paramref name="marker"/> (setup only).</summary>
    public async Task RequestAsync(string frame, string marker, CancellationToken ct)
    {
        await SendAsync(Encoding.UTF8.GetBytes(frame));
        while (!(await ReceiveOneAsync(ct)).Contains(marker, StringComparison.Ordinal))
        {
        }
    }

    public Task SendAsync(byte[] frame) => _socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Starts the receive loop; every complete text frame goes to <paramref name="onFrame"/>.</summary>
    public void StartReceiving(Func<BenchSession, ReadOnlyMemory<byte>, Task> onFrame)
    {
        _onFrame = onFrame;
        _ = Task.Run(ReceiveLoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        _invoker.Dispose();
        await Task.CompletedTask;
    }

    private async Task<string> ReceiveOneAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(length), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return "";
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }
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
                        byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                await _onFrame!(this, buffer.AsMemory(0, length));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            Closed = true;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
