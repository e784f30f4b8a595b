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
        var roomId = new RoomId(room);
        if (m.To is null)
        {
            await hub.Backplane.PublishToRoomAsync(roomId, BackplaneEnvelope.Create(message, session.Peer), CancellationToken.None).ConfigureAwait(false);
            SignalingHub.Ack(connection, m.Id);
            return;
        }
        var to = new PeerId(m.To);
        if (to == session.Peer
            || !await hub.Backplane.IsMemberAsync(roomId, to, CancellationToken.None).ConfigureAwait(false)
            || !await hub.Backplane.PublishToPeerAsync(to, BackplaneEnvelope.Create(message), CancellationToken.None).ConfigureAwait(false))
        {
            hub.SendError(connection, ErrorCodes.UnknownTarget, $"{m.To} is not a member of room {room}", m.Id);
            return;
        }
        SignalingHub.Ack(connection, m.Id);
    }
}
