using System.Net.WebSockets;
using System.Text;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Tests.Infrastructure;

/// <summary>A protocol client over a real WebSocket that reads frames into a queue.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly System.Threading.Channels.Channel<ServerMessage> _inbox = System.Threading.Channels.Channel.CreateUnbounded<ServerMessage>();
    private readonly Task _reader;
    private int _nextId;
    private volatile TaskCompletionSource _gate = Completed();

    private static TaskCompletionSource Completed()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }

    /// <summary>Stops reading from the socket (simulates a slow reader) until <see cref="ResumeReading"/>.</summary>
    public void PauseReading() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReading() => _gate.TrySetResult();

    public TestClient(WebSocket socket)
    {
        Socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    public WebSocket Socket { get; }
    public long LastSeq { get; private set; }
    public WebSocketCloseStatus? CloseStatus { get; private set; }
    public ServerMessage? Welcome { get; private set; }

    /// <summary>Completes when the server closed the socket (or it broke).</summary>
    public Task Closed => _reader;

    public static async Task<TestClient> ConnectAsync(Uri ws)
    {
        var socket = new ClientWebSocket();
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(ws, cts.Token);
        return new TestClient(socket);
    }

    public string NextId() => "r" + Interlocked.Increment(ref _nextId);

    public async Task SendRawAsync(string json)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await Socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, cts.Token);
    }

    public async Task SendAsync(ClientMessage message)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await Socket.SendAsync(FrameWriter.Write(message), WebSocketMessageType.Text, true, cts.Token);
    }

    /// <summary>Sends hello and waits for welcome (throws when an error arrives instead).</summary>
    public async Task<ServerMessage> HelloAsync(string token, string? resume = null, long? lastSeq = null)
    {
        await SendAsync(new ClientMessage { Type = "hello", Id = NextId(), V = 1, Token = token, Resume = resume, LastSeq = lastSeq });
        ServerMessage m = await ReceiveAsync(x => x.Type is "welcome" or "error");
        if (m.Type == "error" && m.Code == ErrorCodes.ResumeFailed)
        {
            m = await ReceiveAsync(x => x.Type == "welcome");
        }
        Assert.True(m.Type == "welcome", $"expected welcome, got {m.Type} {m.Code}");
        Welcome = m;
        return m;
    }

    /// <summary>Sends a request with an id and returns the answer (ack, joined, pong or error) that refers to it.</summary>
    public async Task<ServerMessage> RequestAsync(ClientMessage message)
    {
        message.Id ??= NextId();
        await SendAsync(message);
        return await ReceiveAsync(x => x.Re == message.Id);
    }

    /// <summary>The next message matching <paramref name="match"/>; messages before it are dropped.</summary>
    public async Task<ServerMessage> ReceiveAsync(Func<ServerMessage, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            ServerMessage m;
            try
            {
                m = await _inbox.Reader.ReadAsync(cts.Token);
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                throw new InvalidOperationException($"socket closed ({CloseStatus}) before the expected message");
            }
            if (match is null || match(m))
            {
                return m;
            }
        }
    }

    /// <summary>True when nothing matching arrives within <paramref name="wait"/>.</summary>
    public async Task<bool> NothingAsync(Func<ServerMessage, bool> match, TimeSpan wait)
    {
        try
        {
            await ReceiveAsync(match, wait);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    public async Task<WebSocketCloseStatus?> WaitClosedAsync()
    {
        await Closed.WaitAsync(Timeout);
        return CloseStatus;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (true)
            {
                await _gate.Task;
                int length = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    r = await Socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += r.Count;
                }
                while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = Socket.CloseStatus;
                    if (Socket.State == WebSocketState.CloseReceived)
                    {
                        await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }
                    return;
                }
                ServerMessage? m = FrameParser.ParseServer(buffer.AsSpan(0, length));
                Assert.NotNull(m);
                if (m.Seq is long seq)
                {
                    LastSeq = seq;
                }
                _inbox.Writer.TryWrite(m);
            }
        }
        catch (WebSocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _inbox.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Socket.Abort();
        try
        {
            await _reader.WaitAsync(Timeout);
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException)
        {
        }
        Socket.Dispose();
    }
}
