using System.Text;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// A peer's session on this node: its rooms, calls, <c>seq</c> counter and replay buffer. It outlives its
/// socket for the resume window. Every method is thread-safe (one lock per session; never held while awaiting).
/// </summary>
internal sealed partial class Session
{
    private readonly Lock _sync = new();
    private readonly ReplayBuffer _buffer;
    private readonly Dictionary<string, string?> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?>.AlternateLookup<ReadOnlySpan<char>> _roomsBySpan;
    private readonly Dictionary<string, Call> _calls = new(StringComparer.Ordinal);
    private SignalingConnection? _connection;
    private long _lastSeq;
    private bool _handedOver;

    public Session(PeerId peer, string id, PeerClaims claims, int bufferCapacity, long bufferBytes = long.MaxValue)
    {
        Peer = peer;
        Id = id;
        Claims = claims;
        _buffer = new ReplayBuffer(bufferCapacity, bufferBytes);
        _roomsBySpan = _rooms.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public PeerId Peer { get; }
    public string Id { get; }
    public PeerClaims Claims { get; set; }

    /// <summary>Timestamp when the socket went away; 0 while attached.</summary>
    public long DetachedAt { get; private set; }

    /// <summary>True once the session was ended (removed from rooms).</summary>
    public bool Ended { get; set; }

    public SignalingConnection? Connection
    {
        get
        {
            lock (_sync)
            {
                return _connection;
            }
        }
    }

    /// <summary>Stamps the next <c>seq</c>, buffers the frame and queues it on the socket, if any. False once handed over to another node.</summary>
    public bool Deliver(ServerMessage message)
    {
        lock (_sync)
        {
            if (_handedOver)
            {
                return false;
            }
            long seq = ++_lastSeq;
            byte[] frame;
            if (message.PreparedBody is { } body)
            {
                frame = RelayFrameCodec.Stamp(message.Type, seq, body);
            }
            else
            {
                ServerMessage stamped = message.Clone();
                stamped.Seq = seq;
                frame = FrameWriter.Write(stamped);
            }
            _buffer.Add(seq, frame);
            _connection?.TrySend(frame);
            return true;
        }
    }

    /// <summary><see cref="Deliver"/> of a scanned relay frame: stamps the client's bytes straight into the one frame it allocates.</summary>
    public bool DeliverRelay(ReadOnlySpan<byte> utf8, in RelayFrameScan scan, string from)
    {
        lock (_sync)
        {
            if (_handedOver)
            {
                return false;
            }
            long seq = ++_lastSeq;
            byte[] frame = RelayFrameCodec.Stamp(seq, utf8, scan, from);
            _buffer.Add(seq, frame);
            _connection?.TrySend(frame);
            return true;
        }
    }

    /// <summary>The client processed every frame up to <paramref name="lastSeq"/> (sent in <c>ping</c>): free them.</summary>
    public void Acknowledge(long lastSeq)
    {
        lock (_sync)
        {
            _buffer.Acknowledge(Math.Min(lastSeq, _lastSeq));
        }
    }

    /// <summary>True when a client that processed up to <paramref name="lastSeq"/> can resume.</summary>
    public bool CanResumeFrom(long lastSeq)
    {
        lock (_sync)
        {
            return _buffer.CanReplayFrom(lastSeq);
        }
    }

    /// <summary>
    /// Attaches a socket: sends <paramref name="welcome"/>, then every buffered frame after <paramref name="lastSeq"/>.
    /// When <paramref name="resuming"/> and frames after <paramref name="lastSeq"/> were evicted meanwhile (the buffer
    /// filled up between the resume check and now), attaches nothing and returns false: never a resume with a gap.
    /// </summary>
    public bool Attach(SignalingConnection connection, byte[] welcome, long lastSeq, bool resuming)
    {
        lock (_sync)
        {
            if (resuming && !_buffer.CanReplayFrom(lastSeq))
            {
                return false;
            }
            _connection = connection;
            DetachedAt = 0;
            connection.TrySend(welcome);
            foreach ((_, byte[] frame) in _buffer.After(lastSeq))
            {
                connection.TrySend(frame);
            }
            return true;
        }
    }

    /// <summary>Detaches <paramref name="connection"/> if it is still the session's socket.</summary>
    public bool Detach(SignalingConnection connection, long now)
    {
        lock (_sync)
        {
            if (!ReferenceEquals(_connection, connection))
            {
                return false;
            }
            _connection = null;
            DetachedAt = now;
            return true;
        }
    }

    /// <summary>Detaches whatever socket is attached and returns it.</summary>
    public SignalingConnection? DetachAny(long now)
    {
        lock (_sync)
        {
            SignalingConnection? previous = _connection;
            _connection = null;
            DetachedAt = now;
            return previous;
        }
    }

    /// <summary>What another node needs to resume this session; from now on <see cref="Deliver"/> refuses (the new node delivers).</summary>
    public ResumeState HandOver()
    {
        lock (_sync)
        {
            _handedOver = true;
            var state = new ResumeState
            {
                SessionId = Id,
                LastSeq = _lastSeq,
                Rooms = [.. _rooms.Select(r => new RoomMembership(r.Key, r.Value))],
                Calls = [.. _calls.Values.Select(c => c.ToState())],
            };
            foreach ((long seq, byte[] frame) in _buffer.All)
            {
                state.Frames.Add(new BufferedFrame(seq, Encoding.UTF8.GetString(frame)));
            }
            return state;
        }
    }

    /// <summary>Rebuilds a session handed over by another node.</summary>
    public static Session FromResumeState(PeerId peer, PeerClaims claims, ResumeState state, int bufferCapacity, long bufferBytes)
    {
        var session = new Session(peer, state.SessionId, claims, bufferCapacity, bufferBytes) { _lastSeq = state.LastSeq };
        long droppedUpTo = state.Frames.Count > 0 ? state.Frames[0].Seq - 1 : state.LastSeq;
        session._buffer.Restore(droppedUpTo, state.Frames.Select(f => (f.Seq, Encoding.UTF8.GetBytes(f.Json))));
        foreach (RoomMembership room in state.Rooms)
        {
            session._rooms[room.Room] = room.MetaJson;
        }
        foreach (CallState call in state.Calls)
        {
            session._calls[call.Id] = Call.FromState(call);
        }
        return session;
    }

    /// <summary>True when a handed-over state lets a client that saw <paramref name="lastSeq"/> resume.</summary>
    public static bool CanResume(ResumeState state, long lastSeq) =>
        lastSeq >= (state.Frames.Count > 0 ? state.Frames[0].Seq - 1 : state.LastSeq);
}
