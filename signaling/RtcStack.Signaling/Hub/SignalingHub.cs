using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Calls;
using RtcStack.Signaling.Diagnostics;
using RtcStack.Signaling.Ice;
using RtcStack.Signaling.Limits;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// The signaling service of one node: runs sockets (<see cref="HandleAsync"/>), owns the sessions of this node,
/// and receives what the <see cref="IBackplane"/> routes here. Close cascade: hub → sessions → sockets; ending a
/// session removes it from its rooms (members get <c>member-left</c>) and ends its calls.
/// </summary>
public sealed class SignalingHub : IBackplaneHandler, IAsyncDisposable
{
    /// <summary>The connection's log scope (a small boxed state lives as long as the socket, not a dictionary).</summary>
    private static readonly Func<ILogger, string, IDisposable?> ConnectionScope = LoggerMessage.DefineScope<string>("ConnectionId:{ConnectionId}");

    private readonly ConnectionLimiter _limiter;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, int> _localRooms = new(StringComparer.Ordinal);
    private Task? _sweeper;

    public SignalingHub(
        IOptions<SignalingOptions> options,
        IBackplane backplane,
        TokenService tokens,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        HttpClient? webhookClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Options = options.Value;
        Backplane = backplane;
        Tokens = tokens;
        Time = time;
        Logger = loggerFactory.CreateLogger<SignalingHub>();
        Metrics = new SignalingMetrics(() => Sessions.Count, () => Connections.Count, () => _localRooms.Count);
        Ice = new IceServerProvider(options, time);
        Webhook = new InviteWebhook(webhookClient ?? new HttpClient(), options, loggerFactory.CreateLogger<InviteWebhook>(), time);
        ResumeTokens = new ResumeTokens(Options.TokenSecret ?? throw new InvalidOperationException("Signaling:TokenSecret is not set"));
        _limiter = new ConnectionLimiter(Options.MaxConnectionsPerIp);
        Commands = new CommandDispatcher(this);
        Lifecycle = new SessionLifecycle(this);
        Recovery = new NodeRecovery(this);
        Invitations = new HeldInvitations(this);
        Sweeper = new Sweeper(this);
    }

    internal SignalingOptions Options { get; }
    internal IBackplane Backplane { get; }
    internal TokenService Tokens { get; }
    internal TimeProvider Time { get; }
    internal ILogger Logger { get; }
    internal SignalingMetrics Metrics { get; }
    internal IceServerProvider Ice { get; }
    internal InviteWebhook Webhook { get; }
    internal ResumeTokens ResumeTokens { get; }
    internal CommandDispatcher Commands { get; }
    internal SessionLifecycle Lifecycle { get; }
    internal NodeRecovery Recovery { get; }
    internal HeldInvitations Invitations { get; }
    internal Sweeper Sweeper { get; }
    internal ConcurrentDictionary<string, Session> Sessions { get; } = new(StringComparer.Ordinal);
    internal ConcurrentDictionary<string, SignalingConnection> Connections { get; } = new(StringComparer.Ordinal);

    /// <summary>This node's id (the backplane's).</summary>
    public string NodeId => Backplane.NodeId;

    /// <summary>Sessions held by this node, attached or waiting for resume.</summary>
    public int SessionCount => Sessions.Count;

    /// <summary>Open sockets.</summary>
    public int ConnectionCount => Connections.Count;

    /// <summary>True once <see cref="GoAwayAsync"/> started.</summary>
    public bool IsStopping => _stopping.IsCancellationRequested;

    internal long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Starts the backplane and the once-a-second sweep (heartbeats, resume windows, ring timeouts).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Backplane.StartAsync(this, cancellationToken).ConfigureAwait(false);
        _sweeper = Sweeper.RunAsync(_stopping.Token);
    }

    /// <summary>Runs one accepted WebSocket until it closes. Never throws.</summary>
    public async Task HandleAsync(WebSocket socket, IPAddress? remote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        IPAddress key = remote ?? IPAddress.None;
        if (!_limiter.TryAcquire(key))
        {
            Log.TooManyConnections(Logger, remote?.ToString());
            await RefuseAsync(socket, ErrorCodes.TooManyConnections, "too many connections from this address").ConfigureAwait(false);
            return;
        }
        try
        {
            var connection = new SignalingConnection(IdGenerator.New("k"), socket, remote, Time.GetTimestamp(), Options.SendQueueMessages);
            using IDisposable? scope = ConnectionScope(Logger, connection.Id);
            Connections[connection.Id] = connection;
            Metrics.ConnectionAccepted();
            Log.ConnectionOpened(Logger, remote?.ToString());
            try
            {
                await new ConnectionRunner(this, connection).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Connections.TryRemove(connection.Id, out _);
                if (connection.SlowConsumer)
                {
                    Metrics.Error(ErrorCodes.SlowConsumer);
                    Log.SlowConsumer(Logger);
                }
                OnConnectionEnded(connection);
                Log.ConnectionClosed(Logger, connection.CloseCode);
            }
        }
        finally
        {
            _limiter.Release(key);
        }
    }

    private async Task RefuseAsync(WebSocket socket, string code, string message)
    {
        Metrics.Error(code);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.SendAsync(FrameWriter.Write(FrameWriter.Error(code, message, null)), WebSocketMessageType.Text, true, cts.Token).ConfigureAwait(false);
            await socket.CloseOutputAsync((WebSocketCloseStatus)ErrorCodes.CloseCodeFor(code), null, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }
    }

    /// <summary>The socket is gone: a session it carried waits for resume (unless it was ended).</summary>
    private void OnConnectionEnded(SignalingConnection connection)
    {
        Session? session = connection.Session;
        if (session is null || session.Ended)
        {
            return;
        }
        if (session.Detach(connection, Time.GetTimestamp()))
        {
            Log.SessionDetached(Logger, session.Id, Options.ResumeWindowMs);
        }
    }

    internal void TrackRoomJoined(string room) => _localRooms.AddOrUpdate(room, 1, (_, n) => n + 1);

    internal void TrackRoomLeft(string room)
    {
        if (_localRooms.AddOrUpdate(room, 0, (_, n) => n - 1) <= 0)
        {
            _localRooms.TryRemove(new KeyValuePair<string, int>(room, 0));
        }
    }

    /// <summary>Runs one sweep now (tests drive time with a fake <see cref="TimeProvider"/>).</summary>
    internal Task SweepAsync() => Sweeper.SweepAsync();

    ValueTask<bool> IBackplaneHandler.OnEnvelopeAsync(PeerId recipient, BackplaneEnvelope envelope) =>
        Lifecycle.OnEnvelope(recipient, envelope);

    ValueTask<ResumeState?> IBackplaneHandler.OnHandoverRequestedAsync(PeerId peer, string? resumeSessionId) =>
        Lifecycle.OnHandoverRequestedAsync(peer, resumeSessionId);

    ValueTask IBackplaneHandler.OnMembershipsLostAsync(IReadOnlyList<LostMembership> lost) =>
        Recovery.OnMembershipsLostAsync(lost);

    ValueTask IBackplaneHandler.OnPeersLostAsync(IReadOnlyList<PeerId> peers) =>
        Recovery.OnPeersLostAsync(peers);

    ValueTask IBackplaneHandler.OnSessionsLostAsync(IReadOnlyList<LostSession> lost) =>
        Recovery.OnSessionsLostAsync(lost);

    ValueTask IBackplaneHandler.OnHandedCallRefusedAsync(CallState call) =>
        new(Invitations.KeepRefusedAsync([call])); // the kept calls are advanced by the sweep

    ValueTask IBackplaneHandler.OnPresenceRepairedAsync(PresenceRepair repair) =>
        Recovery.OnPresenceRepairedAsync(repair);

    ValueTask IBackplaneHandler.OnSessionsRevivedAsync(IReadOnlyList<PeerId> peers) =>
        Recovery.OnSessionsRevivedAsync(peers);

    ValueTask IBackplaneHandler.OnSessionsTakenOverAsync(IReadOnlyList<LeftoverSession> leftovers) =>
        Recovery.OnSessionsTakenOverAsync(leftovers);

    ValueTask IBackplaneHandler.OnInvitationsAdoptedAsync(IReadOnlyList<CallState> calls) =>
        Invitations.AdoptAsync(calls);

    ValueTask IBackplaneHandler.OnHeldInvitationEndedAsync(string callId) =>
        Invitations.EndAdoptedAsync(callId);

    ValueTask IBackplaneHandler.OnHeldInvitationsTakenAsync(IReadOnlyList<string> callIds) =>
        Invitations.DropTaken(callIds);

    /// <summary>Sends an answer (not sequenced, not buffered).</summary>
    internal static void Reply(SignalingConnection connection, ServerMessage message) => connection.TrySend(FrameWriter.Write(message));

    /// <summary>Sends <c>ack</c> when the request carried an id.</summary>
    internal static void Ack(SignalingConnection connection, string? re, Action<ServerMessage>? fill = null)
    {
        if (re is null)
        {
            return;
        }
        var ack = new ServerMessage { Type = MessageTypes.Ack, Re = re };
        fill?.Invoke(ack);
        Reply(connection, ack);
    }

    /// <summary>Sends an <c>error</c>, counts it, and closes the socket when the code is fatal.</summary>
    internal void SendError(SignalingConnection connection, string code, string message, string? re)
    {
        Metrics.Error(code);
        Log.ErrorSent(Logger, code, message);
        byte[] frame = FrameWriter.Write(FrameWriter.Error(code, message, re));
        int closeCode = ErrorCodes.CloseCodeFor(code);
        if (closeCode != 0)
        {
            connection.Close(closeCode, frame);
        }
        else
        {
            connection.TrySend(frame);
        }
    }

    /// <summary>Graceful shutdown: every socket gets <c>going-away</c> and close 1001; waits up to the drain time for them to close.</summary>
    public async Task GoAwayAsync(CancellationToken cancellationToken)
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
        Log.GoingAway(Logger, Connections.Count);
        foreach (SignalingConnection connection in Connections.Values)
        {
            int jitter = Random.Shared.Next(Options.GoingAwayReconnectMs + 1);
            var goingAway = new ServerMessage { Type = MessageTypes.GoingAway, Reason = "shutdown", ReconnectInMs = Options.GoingAwayReconnectMs + jitter };
            connection.Close(CloseCodes.GoingAway, FrameWriter.Write(goingAway));
        }
        long start = Time.GetTimestamp();
        while (!Connections.IsEmpty && Time.GetElapsedTime(start).TotalMilliseconds < Options.ShutdownDrainMs && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }
        foreach (SignalingConnection connection in Connections.Values)
        {
            connection.Socket.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
        if (_sweeper is not null)
        {
            await _sweeper.ConfigureAwait(false);
        }
        Metrics.Dispose();
        _stopping.Dispose();
    }
}
