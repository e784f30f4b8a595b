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
        if (connection.Session is not { } session || !hub.Backplane.DeliversByReference)
        {
            return null;
        }
        RelayFrame frame;
        if (RelayFrameScanner.TryScan(utf8, out RelayFrameScan scan) == RelayReadResult.Ok)
        {
            if (!MayRelay(session, scan.Type))
            {
                return null;
            }
            Span<char> room = stackalloc char[SignalingProtocol.MaxRoomLength];
            room = room[..Ascii(utf8.Slice(scan.Room.Start, scan.Room.Length), room)];
            if (!session.InRoom(room))
            {
                return null;
            }
            if (scan.To.Length != 0 && TryRelayLocal(connection, session, utf8, scan, room))
            {
                return Task.CompletedTask;
            }
            frame = scan.ToFrame(utf8);
        }
        else if (RelayFrameCodec.TryRead(utf8, out frame) != RelayReadResult.Ok || !MayRelay(session, frame.Type) || !session.InRoom(frame.Room))
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

    /// <summary>
    /// A directed relay to a member whose session is on this node of the in-memory backplane: delivered with no
    /// envelope, message or string (only the stamped frame is allocated). False (nothing done) otherwise.
    /// </summary>
    private bool TryRelayLocal(SignalingConnection connection, Session session, ReadOnlySpan<byte> utf8, in RelayFrameScan scan, ReadOnlySpan<char> room)
    {
        Span<char> to = stackalloc char[SignalingProtocol.MaxPeerIdLength];
        to = to[..Ascii(utf8.Slice(scan.To.Start, scan.To.Length), to)];
        if (hub.Backplane is not InMemoryBackplane memory
            || to.SequenceEqual(session.Peer.Value)
            || !memory.IsLocalMember(room, to, hub)
            || !hub.Lifecycle.TryDeliverRelay(to, utf8, scan, session.Peer.Value))
        {
            return false;
        }
        if (scan.HasId)
        {
            SignalingHub.Ack(connection, System.Text.Encoding.ASCII.GetString(utf8.Slice(scan.Id.Start, scan.Id.Length)));
        }
        return true;
    }

    private static bool MayRelay(Session session, string type) =>
        type == MessageTypes.Message || (session.Claims.Permissions & (Permissions.Publish | Permissions.Subscribe)) != 0;

    /// <summary>Widens validated ASCII (a room or peer id) into <paramref name="chars"/>; returns the count.</summary>
    private static int Ascii(ReadOnlySpan<byte> ascii, Span<char> chars)
    {
        System.Text.Ascii.ToUtf16(ascii, chars, out int written);
        return written;
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

    /// <summary>
    /// Publishes and answers the sender. Completes synchronously (no state machine, no task allocated) when the
    /// backplane does, as the in-memory one does; awaits only what is still pending.
    /// </summary>
    private Task RouteAsync(SignalingConnection connection, Session session, string room, string? target, string? requestId, ServerMessage message, bool withId)
    {
        var roomId = new RoomId(room);
        if (target is null)
        {
            ValueTask published = hub.Backplane.PublishToRoomAsync(roomId, Envelope(message, session.Peer, withId), CancellationToken.None);
            if (!published.IsCompletedSuccessfully)
            {
                return AckWhenPublishedAsync(connection, requestId, published);
            }
            published.GetAwaiter().GetResult();
            SignalingHub.Ack(connection, requestId);
            return Task.CompletedTask;
        }
        var to = new PeerId(target);
        if (to == session.Peer)
        {
            UnknownTarget(connection, room, target, requestId);
            return Task.CompletedTask;
        }
        ValueTask<bool> member = hub.Backplane.IsMemberAsync(roomId, to, CancellationToken.None);
        if (!member.IsCompletedSuccessfully)
        {
            return RouteToPeerAsync(connection, room, target, requestId, member, to, Envelope(message, null, withId));
        }
        if (!member.Result)
        {
            UnknownTarget(connection, room, target, requestId);
            return Task.CompletedTask;
        }
        ValueTask<bool> delivered = hub.Backplane.PublishToPeerAsync(to, Envelope(message, null, withId), CancellationToken.None);
        if (!delivered.IsCompletedSuccessfully)
        {
            return AnswerWhenDeliveredAsync(connection, room, target, requestId, delivered);
        }
        Answer(connection, room, target, requestId, delivered.Result);
        return Task.CompletedTask;
    }

    private static async Task AckWhenPublishedAsync(SignalingConnection connection, string? requestId, ValueTask published)
    {
        await published.ConfigureAwait(false);
        SignalingHub.Ack(connection, requestId);
    }

    private async Task RouteToPeerAsync(SignalingConnection connection, string room, string target, string? requestId, ValueTask<bool> member, PeerId to, BackplaneEnvelope envelope)
    {
        bool delivered = await member.ConfigureAwait(false)
            && await hub.Backplane.PublishToPeerAsync(to, envelope, CancellationToken.None).ConfigureAwait(false);
        Answer(connection, room, target, requestId, delivered);
    }

    private async Task AnswerWhenDeliveredAsync(SignalingConnection connection, string room, string target, string? requestId, ValueTask<bool> delivered) =>
        Answer(connection, room, target, requestId, await delivered.ConfigureAwait(false));

    private void Answer(SignalingConnection connection, string room, string target, string? requestId, bool delivered)
    {
        if (delivered)
        {
            SignalingHub.Ack(connection, requestId);
        }
        else
        {
            UnknownTarget(connection, room, target, requestId);
        }
    }

    private void UnknownTarget(SignalingConnection connection, string room, string target, string? requestId) =>
        hub.SendError(connection, ErrorCodes.UnknownTarget, $"{target} is not a member of room {room}", requestId);

    private static BackplaneEnvelope Envelope(ServerMessage message, PeerId? except, bool withId) =>
        withId ? BackplaneEnvelope.Create(message, except) : new BackplaneEnvelope { ExceptPeer = except?.Value, Message = message };
}
