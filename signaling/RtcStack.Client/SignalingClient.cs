using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Client;

/// <summary>
/// A connection to an RtcStack signaling server (docs/protocol.md): authenticates with a token, joins rooms,
/// relays offers/answers/candidates/messages, handles call invitations, sends heartbeats, and reconnects with
/// backoff after a drop, resuming the session so every message addressed to it meanwhile arrives in order,
/// exactly once. Requests return tasks that complete with the server's answer or fail with
/// <see cref="SignalingException"/>. Events are raised in order on one background task; handlers must not block.
/// </summary>
public sealed class SignalingClient : IAsyncDisposable
{
    private static readonly JsonElement JsonNull = JsonDocument.Parse("null").RootElement.Clone();
    private readonly SessionCore _core;

    /// <summary>Creates a client; nothing happens until <see cref="ConnectAsync"/>.</summary>
    public SignalingClient(SignalingClientOptions options, ILogger<SignalingClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _core = new SessionCore(options, logger ?? NullLogger<SignalingClient>.Instance, Raise, OnStateChanged, OnWelcome);
    }

    /// <summary>Raised for every event and relayed message (everything carrying <c>seq</c>, plus <c>going-away</c> and unsolicited <c>error</c>s), before the specific event.</summary>
    public event EventHandler<ServerMessageEventArgs>? MessageReceived;

    /// <summary><c>member-joined</c>: someone joined a room this session is in.</summary>
    public event EventHandler<ServerMessageEventArgs>? MemberJoined;

    /// <summary><c>member-left</c>: someone left (<c>reason</c>: left, timeout, closed).</summary>
    public event EventHandler<ServerMessageEventArgs>? MemberLeft;

    /// <summary><c>member-updated</c>: someone changed their <c>meta</c>.</summary>
    public event EventHandler<ServerMessageEventArgs>? MemberUpdated;

    /// <summary>A relayed <c>offer</c> (<c>from</c>, <c>sdp</c>, <c>iceRestart</c>).</summary>
    public event EventHandler<ServerMessageEventArgs>? OfferReceived;

    /// <summary>A relayed <c>answer</c>.</summary>
    public event EventHandler<ServerMessageEventArgs>? AnswerReceived;

    /// <summary>A relayed <c>candidate</c>; a JSON null <c>candidate</c> is end-of-candidates.</summary>
    public event EventHandler<ServerMessageEventArgs>? CandidateReceived;

    /// <summary>A relayed application <c>message</c> (<c>data</c>).</summary>
    public event EventHandler<ServerMessageEventArgs>? AppMessageReceived;

    /// <summary>An incoming call: <c>invite</c> with <c>callId</c>, <c>from</c>, <c>room</c>, <c>meta</c>, <c>expiresAt</c>.</summary>
    public event EventHandler<ServerMessageEventArgs>? InviteReceived;

    /// <summary>A call answer: <c>ringing</c>, <c>accepted</c>, <c>declined</c>, <c>cancelled</c>, <c>hangup</c> or <c>invite-timeout</c>.</summary>
    public event EventHandler<ServerMessageEventArgs>? CallUpdated;

    /// <summary><c>going-away</c>: the server is shutting down; the client reconnects after <c>reconnectInMs</c>.</summary>
    public event EventHandler<ServerMessageEventArgs>? GoingAway;

    /// <summary>An <c>error</c> that answers no request (for example <c>slow-consumer</c> before a close).</summary>
    public event EventHandler<ServerMessageEventArgs>? ErrorReceived;

    /// <summary>A <c>welcome</c> arrived: on the first connect and after every reconnect (see <c>resumed</c>).</summary>
    public event EventHandler<ServerMessageEventArgs>? Welcomed;

    /// <summary>The connection state changed.</summary>
    public event EventHandler<ConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>Where the connection is.</summary>
    public ConnectionState State => _core.State;

    /// <summary>The latest <c>welcome</c> (session id, peer id, ICE servers, limits), or null before connecting.</summary>
    public ServerMessage? Welcome => _core.Welcome;

    /// <summary>The verified peer id (the token's <c>sub</c>).</summary>
    public string? PeerId => _core.Welcome?.Peer;

    /// <summary>The highest <c>seq</c> processed; sent as <c>lastSeq</c> when resuming.</summary>
    public long LastSeq => _core.LastSeq;

    /// <summary>Connects, sends <c>hello</c> and returns the <c>welcome</c>. Call once.</summary>
    public Task<ServerMessage> ConnectAsync(CancellationToken cancellationToken = default) => _core.ConnectAsync(cancellationToken);

    /// <summary>Joins <paramref name="room"/>; returns <c>joined</c> with the members already present.</summary>
    public Task<ServerMessage> JoinAsync(string room, JsonElement? meta = null, CancellationToken cancellationToken = default) =>
        RequestAsync(new ClientMessage { Type = MessageTypes.Join, Room = room, Meta = meta ?? default }, cancellationToken);

    /// <summary>Leaves <paramref name="room"/>.</summary>
    public Task LeaveAsync(string room, CancellationToken cancellationToken = default) =>
        RequestAsync(new ClientMessage { Type = MessageTypes.Leave, Room = room }, cancellationToken);

    /// <summary>Replaces this session's <c>meta</c> in <paramref name="room"/>; the others get <c>member-updated</c>.</summary>
    public Task UpdateAsync(string room, JsonElement meta, CancellationToken cancellationToken = default) =>
        RequestAsync(new ClientMessage { Type = MessageTypes.Update, Room = room, Meta = meta }, cancellationToken);

    /// <summary>Relays an SDP offer to <paramref name="to"/> in <paramref name="room"/>.</summary>
    public Task SendOfferAsync(string room, string to, string sdp, bool iceRestart = false, CancellationToken cancellationToken = default) =>
        RequestAsync(new ClientMessage { Type = MessageTypes.Offer, Room = room, To = to, Sdp = sdp, IceRestart = iceRestart ? true : null }, cancellationToken);

    /// <summary>Relays an SDP answer to <paramref name="to"/>.</summary>
    public Task SendAnswerAsync(string room, string to, string sdp, CancellationToken cancellationToken = default) =>
        RequestAsync(new ClientMessage { Type = MessageTypes.Answer, Room = room, To = to, Sdp = sdp }, cancellationToken);

    /// <summary>Relays an ICE candidate (an RTCIceCandidateInit object), or end-of-candidates when <paramref name="candidate"/> is null.</summary>
    public Task SendCandidateAsync(string room, string to, JsonElement? candidate, CancellationToken cancellationToken = default) =>
        RequestAsync(new ClientMessage { Type = MessageTypes.Candidate, Room = room, To = to, Candidate = candidate ?? JsonNull }, cancellationToken);

    /// <summary>Relays application data to <paramref name="to"/>, or to every other member when it is null.</summary>
    public Task SendMessageAsync(string room, JsonElement data, string? to = null, CancellationToken cancellationToken = default) =>
        RequestAsync(new ClientMessage { Type = MessageTypes.Message, Room = room, To = to, Data = data }, cancellationToken);

    /// <summary>Invites <paramref name="to"/> to a call in <paramref name="room"/>; returns the <c>callId</c>.</summary>
    public async Task<string> InviteAsync(string to, string room, JsonElement? meta = null, CancellationToken cancellationToken = default)
    {
        var ack = await RequestAsync(new ClientMessage { Type = MessageTypes.Invite, To = to, Room = room, Meta = meta ?? default }, cancellationToken).ConfigureAwait(false);
        return ack.CallId ?? throw new SignalingException(ErrorCodes.InternalError, "The invite ack carried no callId.");
    }

    /// <summary>Tells the caller the callee's device is ringing.</summary>
    public Task RingingAsync(string callId, CancellationToken cancellationToken = default) => CallAsync(MessageTypes.Ringing, callId, null, cancellationToken);

    /// <summary>Accepts a call.</summary>
    public Task AcceptAsync(string callId, CancellationToken cancellationToken = default) => CallAsync(MessageTypes.Accept, callId, null, cancellationToken);

    /// <summary>Declines a call, with an optional reason.</summary>
    public Task DeclineAsync(string callId, string? reason = null, CancellationToken cancellationToken = default) => CallAsync(MessageTypes.Decline, callId, reason, cancellationToken);

    /// <summary>Cancels an invitation this session sent.</summary>
    public Task CancelAsync(string callId, CancellationToken cancellationToken = default) => CallAsync(MessageTypes.Cancel, callId, null, cancellationToken);

    /// <summary>Ends an accepted call.</summary>
    public Task HangupAsync(string callId, CancellationToken cancellationToken = default) => CallAsync(MessageTypes.Hangup, callId, null, cancellationToken);

    /// <summary>Replaces the session's token (same <c>sub</c>); returns the new expiry (epoch ms).</summary>
    public async Task<long> RefreshAsync(string token, CancellationToken cancellationToken = default)
    {
        var ack = await RequestAsync(new ClientMessage { Type = MessageTypes.Refresh, Token = token }, cancellationToken).ConfigureAwait(false);
        return ack.ExpiresAt ?? 0;
    }

    /// <summary>Sends <c>ping</c> and returns the time until <c>pong</c>.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        long start = Stopwatch.GetTimestamp();
        await RequestAsync(new ClientMessage { Type = MessageTypes.Ping }, cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Sends any request and returns its answer; for requests this class has no method for.</summary>
    public Task<ServerMessage> RequestAsync(ClientMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _core.RequestAsync(request, cancellationToken);
    }

    /// <summary>Sends <c>bye</c>: the server ends the session at once (no resume) and the client closes.</summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) => _core.CloseAsync(cancellationToken);

    /// <summary>Drops the socket without a close handshake, as a network failure would; the client then reconnects and resumes.</summary>
    public void SimulateConnectionLoss() => _core.DropConnection();

    /// <summary>Closes the socket without <c>bye</c> (the server keeps the session for its resume window) and releases everything.</summary>
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    private Task CallAsync(string type, string callId, string? reason, CancellationToken cancellationToken) =>
        RequestAsync(new ClientMessage { Type = type, CallId = callId, Reason = reason }, cancellationToken);

    private void OnStateChanged(ConnectionState previous, ConnectionState current) =>
        StateChanged?.Invoke(this, new ConnectionStateChangedEventArgs(previous, current));

    private void OnWelcome(ServerMessage welcome) => Welcomed?.Invoke(this, new ServerMessageEventArgs(welcome));

    private void Raise(ServerMessage message)
    {
        var args = new ServerMessageEventArgs(message);
        MessageReceived?.Invoke(this, args);
        var specific = message.Type switch
        {
            MessageTypes.MemberJoined => MemberJoined,
            MessageTypes.MemberLeft => MemberLeft,
            MessageTypes.MemberUpdated => MemberUpdated,
            MessageTypes.Offer => OfferReceived,
            MessageTypes.Answer => AnswerReceived,
            MessageTypes.Candidate => CandidateReceived,
            MessageTypes.Message => AppMessageReceived,
            MessageTypes.Invite => InviteReceived,
            MessageTypes.Ringing or MessageTypes.Accepted or MessageTypes.Declined or MessageTypes.Cancelled
                or MessageTypes.Hangup or MessageTypes.InviteTimeout => CallUpdated,
            MessageTypes.GoingAway => GoingAway,
            MessageTypes.Error => ErrorReceived,
            _ => null,
        };
        specific?.Invoke(this, args);
    }
}
