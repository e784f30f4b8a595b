using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Diagnostics;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// Once a second: closes sockets that did not say hello in time (4003) or went silent (4004), ends sessions
/// whose resume window or token expired, rings out invitations (<c>invite-timeout</c>) and retries
/// invitations held for offline callees.
/// </summary>
internal sealed class Sweeper(SignalingHub hub)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), hub.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await SweepAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    Log.BackplaneFailed(hub.Logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async Task SweepAsync()
    {
        SignalingOptions o = hub.Options;
        long now = hub.Time.GetTimestamp();
        foreach (SignalingConnection connection in hub.Connections.Values)
        {
            if (connection.IsClosing)
            {
                continue;
            }
            if (connection.Session is null && hub.Time.GetElapsedTime(connection.OpenedAt, now).TotalMilliseconds > o.HelloTimeoutMs)
            {
                hub.SendError(connection, ErrorCodes.ProtocolViolation, "no hello in time", null);
            }
            else if (connection.Session is not null && hub.Time.GetElapsedTime(connection.LastReceived, now).TotalMilliseconds > o.HeartbeatTimeoutMs)
            {
                connection.Close(CloseCodes.HeartbeatTimeout);
            }
        }
        DateTimeOffset wallNow = hub.Time.GetUtcNow();
        long nowMs = wallNow.ToUnixTimeMilliseconds();
        foreach (Session session in hub.Sessions.Values)
        {
            if (session.Ended)
            {
                // Ended or handed over to another node since the snapshot: its ring timers run there now.
                continue;
            }
            if (session.DetachedAt != 0 && hub.Time.GetElapsedTime(session.DetachedAt, now).TotalMilliseconds > o.ResumeWindowMs)
            {
                await hub.Lifecycle.EndSessionAsync(session, "timeout").ConfigureAwait(false);
                continue;
            }
            if (session.Claims.ExpiresAt <= wallNow)
            {
                if (session.Connection is { } connection)
                {
                    hub.SendError(connection, ErrorCodes.TokenExpired, "the token expired; refresh it before it does", null);
                }
                await hub.Lifecycle.EndSessionAsync(session, "closed").ConfigureAwait(false);
                continue;
            }
            await RingOutAsync(session, nowMs).ConfigureAwait(false);
        }
        await hub.Invitations.SweepAsync(nowMs).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <c>invite-timeout</c> for the session's outgoing calls that rang out. Safe against a concurrent handover
    /// (the sweep may have read the session just before it was handed over): only the node that still holds the
    /// call gets it from <see cref="Session.RemoveCall"/>, so the timeout is sent once, by the current owner.
    /// </summary>
    internal async Task RingOutAsync(Session session, long nowMs)
    {
        foreach (Call call in session.Calls())
        {
            if (call.Accepted || call.ExpiresAt > nowMs)
            {
                continue;
            }
            if (!call.Outgoing)
            {
                // The caller's node sends the timeout; drop a stale incoming half a little later.
                if (call.ExpiresAt + 5000 < nowMs)
                {
                    session.RemoveCall(call.Id);
                }
                continue;
            }
            if (session.RemoveCall(call.Id) is null)
            {
                continue;
            }
            await hub.Invitations.ReleaseAsync(call.Id).ConfigureAwait(false);
            var timeout = new ServerMessage { Type = MessageTypes.InviteTimeout, CallId = call.Id };
            session.Deliver(timeout);
            // Told even when the call is not (yet) marked delivered: the invite may be on its way while Delivered is
            // still being set, and a callee that never got it drops a timeout for a call it does not have.
            await hub.Backplane.PublishToPeerAsync(new PeerId(call.OtherPeer), BackplaneEnvelope.Create(timeout), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
