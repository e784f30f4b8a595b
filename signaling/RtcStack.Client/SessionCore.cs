using System.Net.WebSockets;
using RtcStack.Signaling.Protocol;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;

namespace RtcStack.Client;

/// <summary>
/// The session behind a <see cref="SignalingClient"/>: connect and handshake, heartbeats, sequence numbers,
/// dispatch, and the supervisor that reconnects (Polly retry with jittered exponential backoff) and resumes
/// with <c>resumeToken</c> + <c>lastSeq</c> when a socket drops. Events go through one channel drained by one
/// task, so handlers see them in order and never block the receive loop.
/// </summary>
internal sealed class SessionCore : IAsyncDisposable
{
    private readonly SignalingClientOptions _options;
    private readonly ILogger _logger;
    private readonly Action<ServerMessage> _onMessage;
    private readonly Action<ConnectionState, ConnectionState> _onState;
    private readonly Action<ServerMessage> _onWelcome;
    private readonly RequestTracker _requests = new();
    private readonly Channel<ServerMessage> _events = Channel.CreateUnbounded<ServerMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly ResiliencePipeline _reconnect;
    private readonly Task _dispatcher;
    private readonly object _gate = new();
    private TaskCompletionSource<WebSocketConnection> _ready = NewReady();
    private WebSocketConnection? _current;
    private Task _supervisor = Task.CompletedTask;
    private ConnectionState _state = ConnectionState.Created;
    private ServerMessage? _welcome;
    private long _lastSeq;
    private long _lastReceiveTicks;
    private int _goingAwayMs = -1;
    private bool _closing;

    public SessionCore(SignalingClientOptions options, ILogger logger, Action<ServerMessage> onMessage, Action<ConnectionState, ConnectionState> onState, Action<ServerMessage> onWelcome)
    {
        _options = options;
        _logger = logger;
        _onMessage = onMessage;
        _onState = onState;
        _onWelcome = onWelcome;
        _reconnect = ReconnectPipeline.Create(options, logger);
        _dispatcher = Task.Run(DispatchAsync);
    }

    public ConnectionState State => _state;

    public ServerMessage? Welcome => _welcome;

    public long LastSeq => Interlocked.Read(ref _lastSeq);

    public RequestTracker Requests => _requests;

    public async Task<ServerMessage> ConnectAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_state != ConnectionState.Created)
            {
                throw new InvalidOperationException("ConnectAsync may be called once.");
            }

            SetState(ConnectionState.Connecting);
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            var welcome = await ConnectOnceAsync(linked.Token).ConfigureAwait(false);
            _supervisor = Task.Run(SuperviseAsync);
            return welcome;
        }
        catch
        {
            SetState(ConnectionState.Closed);
            throw;
        }
    }

    /// <summary>Waits for a connected socket (during a reconnect, until it is back).</summary>
    public Task<WebSocketConnection> ReadyAsync(CancellationToken cancellationToken)
    {
        Task<WebSocketConnection> ready;
        lock (_gate)
        {
            ready = _ready.Task;
        }

        return ready.WaitAsync(_options.RequestTimeout, cancellationToken);
    }

    /// <summary>Sends a request and waits for its answer (<c>re</c> = the request's <c>id</c>).</summary>
    public async Task<ServerMessage> RequestAsync(ClientMessage request, CancellationToken cancellationToken)
    {
        var connection = await ReadyAsync(cancellationToken).ConfigureAwait(false);
        var (id, answer) = _requests.Register();
        try
        {
            request.Id = id;
            await connection.SendAsync(FrameWriter.Write(request), cancellationToken).ConfigureAwait(false);
            return await answer.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _requests.Forget(id);
        }
    }

    /// <summary>Sends <c>bye</c> and waits for the server to close the socket; the session ends (no resume).</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        WebSocketConnection? connection;
        lock (_gate)
        {
            _closing = true;
            connection = _current;
        }

        if (connection is not null && _state == ConnectionState.Connected)
        {
            try
            {
                await connection.SendAsync(FrameWriter.Write(new ClientMessage { Type = MessageTypes.Bye }), cancellationToken).ConfigureAwait(false);
                await connection.Completion.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or ChannelClosedException)
            {
                connection.Abort();
            }
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Drops the socket without a close handshake, as a network failure would (tests, diagnostics).</summary>
    public void DropConnection() => Volatile.Read(ref _current)?.Abort();

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_lifetime.IsCancellationRequested)
            {
                return;
            }

            _closing = true;
            _lifetime.Cancel();
        }

        _current?.Abort();
        try
        {
            await _supervisor.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled by _lifetime; expected.
        }

        if (_current is not null)
        {
            await _current.DisposeAsync().ConfigureAwait(false);
        }

        _requests.FailAll(SignalingException.ClosedCode, "The client is closed.");
        lock (_gate)
        {
            _ready.TrySetException(new SignalingException(SignalingException.ClosedCode, "The client is closed."));
        }

        SetState(ConnectionState.Closed);
        _events.Writer.TryComplete();
        await _dispatcher.ConfigureAwait(false);
        _lifetime.Dispose();
    }

    private async Task<ServerMessage> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var handshake = new Handshake();
        var connection = await WebSocketConnection.OpenAsync(_options, frame => OnFrame(handshake, frame), timeout.Token).ConfigureAwait(false);
        try
        {
            string token = _options.TokenProvider is { } provider ? await provider(timeout.Token).ConfigureAwait(false) : _options.Token!;
            string? resumeToken = _welcome?.ResumeToken;
            await connection.SendAsync(ClientFrames.Hello(token, resumeToken, LastSeq), timeout.Token).ConfigureAwait(false);
            var first = await Task.WhenAny(handshake.Welcome.Task, connection.Completion).WaitAsync(timeout.Token).ConfigureAwait(false);
            if (first != handshake.Welcome.Task)
            {
                throw handshake.Failure is { } failure
                    ? new SignalingException(failure.Code, failure.Text) { CloseCode = (int?)connection.CloseStatus }
                    : new WebSocketException($"The server closed the socket before welcome ({(int?)connection.CloseStatus} {connection.CloseDescription}).");
            }

            var welcome = handshake.Welcome.Task.Result;
            Accept(connection, welcome, hadSession: resumeToken is not null);
            return welcome;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Accept(WebSocketConnection connection, ServerMessage welcome, bool hadSession)
    {
        if (!(welcome.Resumed ?? false))
        {
            Interlocked.Exchange(ref _lastSeq, 0);
        }

        lock (_gate)
        {
            _welcome = welcome;
            _current = connection;
            _goingAwayMs = -1;
            Interlocked.Exchange(ref _lastReceiveTicks, Environment.TickCount64);
            _ready.TrySetResult(connection);
            SetState(ConnectionState.Connected);
        }

        ClientLog.Connected(_logger, welcome.Peer, welcome.Session, (welcome.Resumed ?? false));
        if (hadSession && !(welcome.Resumed ?? false))
        {
            ClientLog.SessionRestarted(_logger, welcome.Session);
        }

        _onWelcome(welcome);
        if (_options.SendHeartbeats && welcome.Heartbeat is { IntervalMs: > 0 } heartbeat)
        {
            _ = Task.Run(() => HeartbeatLoop.RunAsync(connection, heartbeat, () => Interlocked.Read(ref _lastReceiveTicks), _lifetime.Token));
        }
    }

    /// <summary>Runs on the receive loop: handshake, duplicate filter, answers, then the event queue.</summary>
    private void OnFrame(Handshake handshake, ReadOnlyMemory<byte> frame)
    {
        Interlocked.Exchange(ref _lastReceiveTicks, Environment.TickCount64);
        var message = FrameParser.ParseServer(frame.Span);
        if (message is null)
        {
            ClientLog.BadFrame(_logger, null);
            return;
        }

        if (!handshake.Welcome.Task.IsCompleted)
        {
            if (message.Type == MessageTypes.Welcome)
            {
                handshake.Welcome.TrySetResult(message);
                return;
            }

            if (message.Type == MessageTypes.Error && message.Code != ErrorCodes.ResumeFailed)
            {
                handshake.Failure = (message.Code ?? ErrorCodes.InternalError, message.Message ?? "");
            }

            ClientLog.ServerError(_logger, message.Code, message.Message);
            return;
        }

        if (message.Seq is long seq)
        {
            long last = Interlocked.Read(ref _lastSeq);
            if (seq <= last)
            {
                ClientLog.DuplicateDropped(_logger, message.Type, seq, last);
                return;
            }

            Interlocked.Exchange(ref _lastSeq, seq);
        }

        if (_requests.TryComplete(message))
        {
            return;
        }

        if (message.Type == MessageTypes.GoingAway)
        {
            Volatile.Write(ref _goingAwayMs, Math.Max(0, message.ReconnectInMs ?? 0));
        }

        _events.Writer.TryWrite(message);
    }

    private async Task DispatchAsync()
    {
        await foreach (var message in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                _onMessage(message);
            }
#pragma warning disable CA1031 // A handler's exception must not stop the dispatcher.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ClientLog.HandlerFailed(_logger, ex);
            }
        }
    }

    /// <summary>Waits for the socket to drop, then reconnects and resumes, until closed or fatal.</summary>
    private async Task SuperviseAsync()
    {
        var token = _lifetime.Token;
        while (true)
        {
            var connection = _current!;
            await connection.Completion.ConfigureAwait(false);
            int? closeStatus = (int?)connection.CloseStatus;
            lock (_gate)
            {
                if (_ready.Task.IsCompleted)
                {
                    _ready = NewReady();
                }
            }

            _requests.FailAll(SignalingException.ConnectionLostCode, "The connection dropped before the answer arrived.");
            if (_closing || token.IsCancellationRequested || !_options.AutoReconnect || ReconnectPipeline.IsFinalClose(closeStatus))
            {
                ClientLog.ClosedForGood(_logger, closeStatus, connection.CloseDescription);
                await connection.DisposeAsync().ConfigureAwait(false);
                FailReady(closeStatus, connection.CloseDescription);
                return;
            }

            ClientLog.ConnectionLost(_logger, closeStatus, connection.CloseDescription);
            SetState(ConnectionState.Reconnecting);
            await connection.DisposeAsync().ConfigureAwait(false);
            try
            {
                int goingAway = Volatile.Read(ref _goingAwayMs);
                if (goingAway > 0)
                {
                    ClientLog.GoingAway(_logger, TimeSpan.FromMilliseconds(goingAway));
                    await Task.Delay(goingAway, token).ConfigureAwait(false);
                }

                await _reconnect.ExecuteAsync(async ct => await ConnectOnceAsync(ct).ConfigureAwait(false), token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Any failure here ends the session; it is reported through State and pending requests.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ClientLog.ClosedForGood(_logger, closeStatus, (ex as SignalingException)?.Code ?? ex.GetType().Name);
                FailReady(closeStatus, ex.Message);
                return;
            }
        }
    }

    private void FailReady(int? closeStatus, string? reason)
    {
        lock (_gate)
        {
            _ready.TrySetException(new SignalingException(SignalingException.ClosedCode, $"The connection is closed ({closeStatus} {reason}).") { CloseCode = closeStatus });
            _current = null;
            SetState(ConnectionState.Closed);
        }
    }

    private void SetState(ConnectionState next)
    {
        var previous = _state;
        if (previous == next || previous == ConnectionState.Closed)
        {
            return;
        }

        _state = next;
        _onState(previous, next);
    }

    private static TaskCompletionSource<WebSocketConnection> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Handshake
    {
        public TaskCompletionSource<ServerMessage> Welcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public (string Code, string Text)? Failure { get; set; }
    }
}
