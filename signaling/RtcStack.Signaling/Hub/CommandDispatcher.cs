using RtcStack.Signaling.Diagnostics;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

/// <summary>Routes a parsed client message to its handler; an unexpected exception becomes <c>internal-error</c>.</summary>
internal sealed class CommandDispatcher(SignalingHub hub)
{
    private readonly SessionCommands _session = new(hub);
    private readonly RoomCommands _rooms = new(hub);
    private readonly RelayCommands _relay = new(hub);
    private readonly CallCommands _calls = new(hub);

    public async Task DispatchAsync(SignalingConnection connection, ClientMessage m)
    {
        try
        {
            Session? session = connection.Session;
            if (session is null)
            {
                if (m.Type == MessageTypes.Hello)
                {
                    await _session.HelloAsync(connection, m).ConfigureAwait(false);
                }
                else
                {
                    hub.SendError(connection, ErrorCodes.NotAuthenticated, "send hello first", m.Id);
                }
                return;
            }
            await DispatchAuthenticatedAsync(connection, session, m).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.HandlerFailed(hub.Logger, ex, m.Type);
            hub.SendError(connection, ErrorCodes.InternalError, "internal error", m.Id);
        }
    }

    /// <summary>The relay fast path (<see cref="RelayCommands.TryRelayRaw"/>): null when the frame must be parsed and dispatched.</summary>
    /// <remarks>A relay that completed synchronously is returned as is (no guard task).</remarks>
    public Task? TryRelayRaw(SignalingConnection connection, ReadOnlySpan<byte> utf8)
    {
        Task? relay;
        try
        {
            relay = _relay.TryRelayRaw(connection, utf8);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayFailed(connection, ex);
            return Task.CompletedTask;
        }
        return relay is null || relay.IsCompletedSuccessfully ? relay : GuardAsync(connection, relay);
    }

    private void RelayFailed(SignalingConnection connection, Exception ex)
    {
        Log.HandlerFailed(hub.Logger, ex, "relay");
        hub.SendError(connection, ErrorCodes.InternalError, "internal error", null);
    }

    private async Task GuardAsync(SignalingConnection connection, Task relay)
    {
        try
        {
            await relay.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayFailed(connection, ex);
        }
    }

    private Task DispatchAuthenticatedAsync(SignalingConnection connection, Session session, ClientMessage m)
    {
        switch (m.Type)
        {
            case MessageTypes.Hello:
                hub.SendError(connection, ErrorCodes.ProtocolViolation, "hello was already sent", m.Id);
                return Task.CompletedTask;
            case MessageTypes.Ping:
                if (m.LastSeq is long acknowledged)
                {
                    session.Acknowledge(acknowledged);
                }
                SignalingHub.Reply(connection, new ServerMessage { Type = MessageTypes.Pong, Re = m.Id });
                return Task.CompletedTask;
            case MessageTypes.Refresh:
                return _session.RefreshAsync(connection, session, m);
            case MessageTypes.Bye:
                return _session.ByeAsync(connection, session);
            case MessageTypes.Join:
                return _rooms.JoinAsync(connection, session, m);
            case MessageTypes.Leave:
                return _rooms.LeaveAsync(connection, session, m);
            case MessageTypes.Update:
                return _rooms.UpdateAsync(connection, session, m);
            case MessageTypes.Offer:
            case MessageTypes.Answer:
            case MessageTypes.Candidate:
            case MessageTypes.Message:
                return _relay.RelayAsync(connection, session, m);
            case MessageTypes.Invite:
                return _calls.InviteAsync(connection, session, m);
            default:
                return _calls.AnswerAsync(connection, session, m);
        }
    }
}
