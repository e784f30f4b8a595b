using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Diagnostics;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Signaling.Hub;

/// <summary><c>hello</c> (new session, takeover, resume), <c>refresh</c> and <c>bye</c>.</summary>
internal sealed class SessionCommands(SignalingHub hub)
{
    // One hello of a peer at a time on this node (see PeerGates).
    private readonly PeerGates _hellos = new();

    public async Task HelloAsync(SignalingConnection connection, ClientMessage m)
    {
        if (hub.IsStopping)
        {
            connection.Close(CloseCodes.GoingAway, FrameWriter.Write(new ServerMessage { Type = MessageTypes.GoingAway, Reason = "shutdown", ReconnectInMs = hub.Options.GoingAwayReconnectMs }));
            return;
        }
        PeerClaims? claims = await ValidateTokenAsync(connection, m.Token, m.Id).ConfigureAwait(false);
        if (claims is null)
        {
            return;
        }
        var peer = new PeerId(claims.Subject);
        // A queued hello whose socket closed meanwhile (the sweeper's hello timeout, shutdown) stops waiting, and one
        // that gets the gate after its socket closed does nothing: run late, it could take over (by handover) a session
        // the client got meanwhile over a new connection, and close that live socket with Replaced.
        using (PeerGates.Lease lease = await _hellos.EnterAsync(peer.Value, connection).ConfigureAwait(false))
        {
            if (!lease.Held || connection.IsClosing || hub.IsStopping)
            {
                return;
            }
            Session session = await StartSessionAsync(connection, m, claims, peer).ConfigureAwait(false);
            // Inside the gate: a later hello that replaced this session first would end it without the calls taken
            // after its end (they would ring on a session no client holds). Free when there are none (the usual case).
            await hub.Lifecycle.TakeLeftoverCallsAsync(session).ConfigureAwait(false);
        }
        // Outside the gate (a backplane round trip per call): it delivers other peers' calls to this peer's route and
        // touches no session of this peer, which is installed and attached by now.
        await hub.Invitations.DeliverToAsync(peer).ConfigureAwait(false);
    }

    /// <summary>Tests: how many peers' gates are held or waited for.</summary>
    internal int GatesInUse => _hellos.Count;

    /// <summary>Takes over or starts the peer's session and attaches it to <paramref name="connection"/>; returns it.</summary>
    private async Task<Session> StartSessionAsync(SignalingConnection connection, ClientMessage m, PeerClaims claims, PeerId peer)
    {
        long lastSeq = m.LastSeq ?? 0;
        string? resumeId = hub.ResumeTokens.Verify(m.Resume, peer);
        Session? session = await hub.Lifecycle.TakeOverAsync(peer, resumeId, lastSeq).ConfigureAwait(false);
        bool resumed = session is not null;
        session ??= new Session(peer, IdGenerator.New("s"), claims, hub.Options.ResumeBufferMessages, hub.Options.ResumeBufferBytes);
        session.Claims = claims;
        await OwnAsync(connection, session).ConfigureAwait(false);
        if (resumed && !session.Attach(connection, FrameWriter.Write(Welcome(session, claims, resumed: true, m.Id)), lastSeq, resuming: true))
        {
            // More arrived for it while it was being resumed than its buffer holds: end it (the peer stays routed
            // here, no gap in which it has no node), and a fresh session takes its place and its ownership.
            await hub.Lifecycle.EndSessionAsync(session, "closed", keepRoute: true).ConfigureAwait(false);
            session = new Session(peer, IdGenerator.New("s"), claims, hub.Options.ResumeBufferMessages, hub.Options.ResumeBufferBytes);
            resumed = false;
            hub.Sessions[peer.Value] = session;
            connection.Session = session;
            await hub.Backplane.SetSessionOwnerAsync(peer, new SessionOwner(hub.NodeId, session.Id), CancellationToken.None).ConfigureAwait(false);
        }
        if (!resumed)
        {
            if (m.Resume is not null)
            {
                hub.SendError(connection, ErrorCodes.ResumeFailed, "the session cannot be resumed; a new session was started", m.Id);
            }
            session.Attach(connection, FrameWriter.Write(Welcome(session, claims, resumed: false, m.Id)), 0, resuming: false);
        }
        Log.SessionStarted(hub.Logger, session.Id, peer.Value, resumed);
        return session;
    }

    /// <summary>Makes <paramref name="session"/> this node's session of its peer, carried by <paramref name="connection"/>.</summary>
    private async Task OwnAsync(SignalingConnection connection, Session session)
    {
        hub.Sessions[session.Peer.Value] = session;
        connection.Session = session;
        await hub.Backplane.SubscribePeerAsync(session.Peer, CancellationToken.None).ConfigureAwait(false);
        await hub.Backplane.SetSessionOwnerAsync(session.Peer, new SessionOwner(hub.NodeId, session.Id), CancellationToken.None).ConfigureAwait(false);
    }

    private ServerMessage Welcome(Session session, PeerClaims claims, bool resumed, string? re)
    {
        SignalingOptions o = hub.Options;
        return new ServerMessage
        {
            Type = MessageTypes.Welcome,
            Re = re,
            V = SignalingProtocol.Version,
            Session = session.Id,
            Peer = session.Peer.Value,
            ResumeToken = hub.ResumeTokens.Create(session.Id, session.Peer),
            ResumeWindowMs = o.ResumeWindowMs,
            Resumed = resumed,
            Rooms = resumed ? [.. session.Rooms().Select(r => r.Room)] : null,
            Heartbeat = new HeartbeatInfo { IntervalMs = o.HeartbeatIntervalMs, TimeoutMs = o.HeartbeatTimeoutMs },
            IceServers = hub.Ice.For(session.Peer.Value),
            Limits = new LimitsInfo
            {
                MaxFrameBytes = o.MaxFrameBytes,
                MessagesPerSecond = o.MessagesPerSecond,
                Burst = o.Burst,
                MaxRoomsPerSession = o.MaxRoomsPerSession,
                RoomCapacity = o.RoomCapacity,
            },
            ExpiresAt = claims.ExpiresAt.ToUnixTimeMilliseconds(),
        };
    }

    public async Task RefreshAsync(SignalingConnection connection, Session session, ClientMessage m)
    {
        PeerClaims? claims = await ValidateTokenAsync(connection, m.Token, m.Id).ConfigureAwait(false);
        if (claims is null)
        {
            await hub.Lifecycle.EndSessionAsync(session, "closed").ConfigureAwait(false);
            return;
        }
        if (claims.Subject != session.Peer.Value)
        {
            hub.SendError(connection, ErrorCodes.Forbidden, "the new token is for another peer", m.Id);
            return;
        }
        session.Claims = claims;
        SignalingHub.Ack(connection, m.Id, a => a.ExpiresAt = claims.ExpiresAt.ToUnixTimeMilliseconds());
    }

    public async Task ByeAsync(SignalingConnection connection, Session session)
    {
        await hub.Lifecycle.EndSessionAsync(session, "left").ConfigureAwait(false);
        connection.Close(CloseCodes.Normal);
    }

    /// <summary>Validates a token; on failure sends the fatal error and returns null.</summary>
    private async Task<PeerClaims?> ValidateTokenAsync(SignalingConnection connection, string? token, string? re)
    {
        TokenValidation validation = await hub.Tokens.ValidateAsync(token).ConfigureAwait(false);
        switch (validation.Status)
        {
            case TokenStatus.Valid:
                return validation.Claims;
            case TokenStatus.Expired:
                hub.SendError(connection, ErrorCodes.TokenExpired, "the token has expired", re);
                return null;
            default:
                hub.SendError(connection, ErrorCodes.InvalidToken, "the token is not valid", re);
                return null;
        }
    }
}
