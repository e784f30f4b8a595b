using System.Text.Json;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Diagnostics;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Hub;

/// <summary><c>join</c>, <c>leave</c> and <c>update</c>: membership lives in the backplane, presence events go to the room.</summary>
internal sealed class RoomCommands(SignalingHub hub)
{
    public async Task JoinAsync(SignalingConnection connection, Session session, ClientMessage m)
    {
        string room = m.Room!;
        if (!session.Claims.AllowsRoom(room))
        {
            hub.SendError(connection, ErrorCodes.Forbidden, $"the token does not allow room {room}", m.Id);
            return;
        }
        if (!session.InRoom(room) && session.RoomCount >= hub.Options.MaxRoomsPerSession)
        {
            hub.SendError(connection, ErrorCodes.TooManyRooms, $"a session may be in at most {hub.Options.MaxRoomsPerSession} rooms", m.Id);
            return;
        }
        string? metaJson = MetaJson(m.Meta);
        var roomId = new RoomId(room);
        RoomJoinResult result = await hub.Backplane.AddMemberAsync(roomId, new RoomMember(session.Peer.Value, metaJson), hub.Options.RoomCapacity, CancellationToken.None).ConfigureAwait(false);
        if (result == RoomJoinResult.Full)
        {
            hub.SendError(connection, ErrorCodes.RoomFull, $"room {room} is full ({hub.Options.RoomCapacity} members)", m.Id);
            return;
        }
        if (result == RoomJoinResult.Joined)
        {
            session.SetRoom(room, metaJson);
            hub.TrackRoomJoined(room);
        }
        IReadOnlyList<RoomMember> members = await hub.Backplane.GetMembersAsync(roomId, CancellationToken.None).ConfigureAwait(false);
        if (members.Count == 1 && result == RoomJoinResult.Joined)
        {
            Log.RoomCreated(hub.Logger, room);
        }
        SignalingHub.Reply(connection, new ServerMessage
        {
            Type = MessageTypes.Joined,
            Re = m.Id,
            Room = room,
            Self = new MemberInfo { Peer = session.Peer.Value, Meta = Meta(metaJson) },
            Members = [.. members.Where(x => x.Peer != session.Peer.Value).Select(x => new MemberInfo { Peer = x.Peer, Meta = Meta(x.MetaJson) })],
        });
        string type = result == RoomJoinResult.Joined ? MessageTypes.MemberJoined : MessageTypes.MemberUpdated;
        if (result == RoomJoinResult.AlreadyMember)
        {
            session.SetRoom(room, metaJson);
        }
        var presence = new ServerMessage { Type = type, Room = room, Peer = session.Peer.Value, Meta = Meta(metaJson) };
        await hub.Backplane.PublishToRoomAsync(roomId, BackplaneEnvelope.Create(presence, session.Peer), CancellationToken.None).ConfigureAwait(false);
    }

    public async Task LeaveAsync(SignalingConnection connection, Session session, ClientMessage m)
    {
        if (!session.InRoom(m.Room!))
        {
            hub.SendError(connection, ErrorCodes.NotInRoom, $"not a member of room {m.Room}", m.Id);
            return;
        }
        await hub.Lifecycle.LeaveRoomAsync(session, m.Room!, "left").ConfigureAwait(false);
        SignalingHub.Ack(connection, m.Id);
    }

    public async Task UpdateAsync(SignalingConnection connection, Session session, ClientMessage m)
    {
        string room = m.Room!;
        if (!session.InRoom(room))
        {
            hub.SendError(connection, ErrorCodes.NotInRoom, $"not a member of room {room}", m.Id);
            return;
        }
        string? metaJson = MetaJson(m.Meta);
        session.SetRoom(room, metaJson);
        var roomId = new RoomId(room);
        await hub.Backplane.UpdateMemberAsync(roomId, new RoomMember(session.Peer.Value, metaJson), CancellationToken.None).ConfigureAwait(false);
        var updated = new ServerMessage { Type = MessageTypes.MemberUpdated, Room = room, Peer = session.Peer.Value, Meta = Meta(metaJson) };
        await hub.Backplane.PublishToRoomAsync(roomId, BackplaneEnvelope.Create(updated, session.Peer), CancellationToken.None).ConfigureAwait(false);
        SignalingHub.Ack(connection, m.Id);
    }

    internal static string? MetaJson(JsonElement meta) => meta.ValueKind == JsonValueKind.Object ? meta.GetRawText() : null;

    internal static JsonElement? Meta(string? json)
    {
        if (json is null)
        {
            return null;
        }
        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
