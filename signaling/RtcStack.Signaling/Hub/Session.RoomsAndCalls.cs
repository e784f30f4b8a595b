using RtcStack.Signaling.Backplane;

namespace RtcStack.Signaling.Hub;

// The part of Session that keeps its room memberships and its halves of calls (under the session's lock).
internal sealed partial class Session
{
    public bool InRoom(string room)
    {
        lock (_sync)
        {
            return _rooms.ContainsKey(room);
        }
    }

    /// <summary><see cref="InRoom(string)"/> without a string.</summary>
    public bool InRoom(ReadOnlySpan<char> room)
    {
        lock (_sync)
        {
            return _roomsBySpan.ContainsKey(room);
        }
    }

    public int RoomCount
    {
        get
        {
            lock (_sync)
            {
                return _rooms.Count;
            }
        }
    }

    public void SetRoom(string room, string? metaJson)
    {
        lock (_sync)
        {
            _rooms[room] = metaJson;
        }
    }

    public bool RemoveRoom(string room)
    {
        lock (_sync)
        {
            return _rooms.Remove(room);
        }
    }

    public List<RoomMembership> Rooms()
    {
        lock (_sync)
        {
            return [.. _rooms.Select(r => new RoomMembership(r.Key, r.Value))];
        }
    }

    public void AddCall(Call call)
    {
        lock (_sync)
        {
            _calls[call.Id] = call;
        }
    }

    /// <summary>
    /// Adds a call unless the session was handed over or ended (false: the caller keeps the call). Calls are copied
    /// for a handover under the same lock, so a call added here travels with the handover, and a refused one does not
    /// need to: it stays with whoever held it before.
    /// </summary>
    public bool TryAddCall(Call call)
    {
        lock (_sync)
        {
            if (_handedOver || Ended)
            {
                return false;
            }
            _calls[call.Id] = call;
            return true;
        }
    }

    public Call? GetCall(string callId)
    {
        lock (_sync)
        {
            return _calls.GetValueOrDefault(callId);
        }
    }

    /// <summary>
    /// Removes a call and returns it: whoever gets it non-null is the one that ends the call (sends the timeout,
    /// cancel or hangup). Null once the session was handed over: the call went with it to the new node, which
    /// ends it there. Taking the call and <see cref="HandOver"/> share the lock, so a ring timer that fires during
    /// a handover either took the call before the state was cut (the call does not travel) or gets null (the new
    /// node rings it out): never both.
    /// </summary>
    public Call? RemoveCall(string callId)
    {
        lock (_sync)
        {
            return !_handedOver && _calls.Remove(callId, out Call? call) ? call : null;
        }
    }

    public List<Call> Calls()
    {
        lock (_sync)
        {
            return [.. _calls.Values];
        }
    }

    /// <summary>The calls that <paramref name="match"/> selects; allocates nothing when the session has no call.</summary>
    public Call[] CallsWhere(Func<Call, bool> match)
    {
        lock (_sync)
        {
            return _calls.Count == 0 ? [] : [.. _calls.Values.Where(match)];
        }
    }

    /// <summary>True between <c>accept</c> and <c>hangup</c>/<c>cancel</c>/leaving the room.</summary>
    public bool IsBusy
    {
        get
        {
            lock (_sync)
            {
                return _calls.Values.Any(c => c.Accepted);
            }
        }
    }
}
