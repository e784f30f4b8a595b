using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// <c>offer</c>, <c>answer</c>, <c>candidate</c>, <c>message</c>: the sender must be in the room, and so must the
/// target; the server stamps the verified sender in <c>from</c> and never lets a message leave its room.
/// </summary>
internal sealed class RelayCommands(SignalingHub hub)
{
    /// <summary>
    /// The fast path for a frame that was not parsed yet: when it is a valid relay frame that will succeed and the
    /// backplane delivers by reference (<see cref="IBackplane.DeliversByReference"/>), relays it with the client's payload bytes (<see cref="RelayFrameCodec"/>)
    /// and returns the task; returns null (having done nothing) when the frame must go through
    /// <see cref="FrameParser"/> and the dispatcher, which then answers exactly as for any frame.
    /// The sender's peer id needs no check here: <see cref="Tokens.TokenService"/> accepts only tokens whose
    /// subject is a valid peer id, so every session's id is one.
    /// </summary>
    public Task? TryRelayRaw(SignalingConnection connection, ReadOnlySpan<byte> utf8)
    {
        if (connection.Session is not { } session
            || !hub.Backplane.DeliversByReference
            || RelayFrameCodec.TryRead(utf8, out RelayFrame frame) != RelayReadResult.Ok
            || (frame.Type != MessageTypes.Message && (session.Claims.Permissions & (Permissions.Publish | Permissions.Subscribe)) == 0)
            || !session.InRoom(frame.Room))
        {
            return null;
        }
        var message = new ServerMessage
        {
            Type = frame.Type,
            Room = frame.Room,
            From = session.Peer.Value,
            PreparedBody = RelayFrameCodec.WriteBody(utf8, frame, session.Peer.Value),
        };
        // A backplane that delivers by reference never reads the envelope id (it is for deduplication across nodes).
        return RouteAsync(connection, session, frame.Room, frame.To, frame.Id, message, withId: false);
    }

    public async Task RelayAsync(SignalingConnection connection, Session session, ClientMessage m)
    {
        string room = m.Room!;
        if (m.Type != MessageTypes.Message && (session.Claims.Permissions & (Permissions.Publish | Permissions.Subscribe)) == 0)
        {
            hub.SendError(connection, ErrorCodes.Forbidden, $"{m.Type} needs the publish or subscribe permission", m.Id);
            return;
        }
        if (!session.InRoom(room))
        {
            hub.SendError(connection, ErrorCodes.NotInRoom, $"not a member of room {room}", m.Id);
            return;
        }
        var message = new ServerMessage
        {
            Type = m.Type!,
            Room = room,
            From = session.Peer.Value,
            Sdp = m.Sdp,
            IceRestart = m.IceRestart,
            Candidate = m.Type == MessageTypes.Candidate ? m.Candidate : null,
            Data = m.Type == MessageTypes.Message ? m.Data : null,
        };
        await RouteAsync(connection, session, room, m.To, m.Id, message, withId: true).ConfigureAwait(false);
    }

    private async Task RouteAsync(SignalingConnection connection, Session session, string room, string? target, string? requestId, ServerMessage message, bool withId)
    {
        var roomId = new RoomId(room);
        if (target is null)
        {
            await hub.Backplane.PublishToRoomAsync(roomId, Envelope(message, session.Peer, withId), CancellationToken.None).ConfigureAwait(false);
            SignalingHub.Ack(connection, requestId);
            return;
        }
        var to = new PeerId(target);
        if (to == session.Peer
            || !await hub.Backplane.IsMemberAsync(roomId, to, CancellationToken.None).ConfigureAwait(false)
            || !await hub.Backplane.PublishToPeerAsync(to, Envelope(message, null, withId), CancellationToken.None).ConfigureAwait(false))
        {
            hub.SendError(connection, ErrorCodes.UnknownTarget, $"{target} is not a member of room {room}", requestId);
            return;
        }
        SignalingHub.Ack(connection, requestId);
    }

    private static BackplaneEnvelope Envelope(ServerMessage message, PeerId? except, bool withId) =>
        withId ? BackplaneEnvelope.Create(message, except) : new BackplaneEnvelope { ExceptPeer = except?.Value, Message = message };
}
