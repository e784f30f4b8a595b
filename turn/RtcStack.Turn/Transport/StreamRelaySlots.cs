namespace RtcStack.Turn.Transport;

/// <summary>
/// The UDP relay sockets a <see cref="StreamPoller"/> serves besides its client connections: the relay of an allocation
/// whose client is a TCP/TLS connection read by that poller is registered on the same epoll instance as the connection
/// (the thread that has the connection hot relays the peer's answers, and one thread wakes per message instead of two).
/// An epoll event's data is <c>generation &lt;&lt; 32 | <see cref="Tag"/> | slot</c>; the tag tells relays from readers.
/// The caller (the poller) holds its lock around <see cref="Add"/> and <see cref="Remove"/>; lookups are lock-free.
/// </summary>
internal sealed class StreamRelaySlots
{
    /// <summary>Bit 31 of an event's slot word: the slot is a relay's, not a reader's.</summary>
    internal const uint Tag = 1u << 31;

    private readonly Stack<int> _free = new();
    private UdpRelay?[] _slots = new UdpRelay?[16];
    private uint[] _generations = new uint[16];
    private int _used;

    /// <summary>Takes a slot for <paramref name="relay"/> (sets its slot and generation); the epoll data to register it with.</summary>
    internal ulong Add(UdpRelay relay)
    {
        int slot;
        if (_free.Count > 0)
        {
            slot = _free.Pop();
        }
        else
        {
            if (_used == _slots.Length)
            {
                Array.Resize(ref _generations, _used * 2);
                var grown = new UdpRelay?[_used * 2];
                Array.Copy(_slots, grown, _used);
                Volatile.Write(ref _slots, grown);
            }
            slot = _used++;
        }
        uint generation = ++_generations[slot];
        relay.PollSlot = slot;
        relay.PollGeneration = generation;
        Volatile.Write(ref _slots[slot], relay);
        return ((ulong)generation << 32) | Tag | (uint)slot;
    }

    /// <summary>Frees <paramref name="relay"/>'s slot; false when it does not hold one.</summary>
    internal bool Remove(UdpRelay relay)
    {
        int slot = relay.PollSlot;
        if (slot < 0 || slot >= _slots.Length || !ReferenceEquals(_slots[slot], relay))
        {
            return false;
        }
        Volatile.Write(ref _slots[slot], null);
        _free.Push(slot);
        return true;
    }

    /// <summary>The relay an event's data names, or null when its slot was freed or reused since.</summary>
    internal UdpRelay? Find(ulong data)
    {
        int slot = (int)((uint)data & ~Tag);
        UdpRelay?[] slots = Volatile.Read(ref _slots);
        UdpRelay? relay = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
        return relay is not null && relay.PollGeneration == (uint)(data >> 32) ? relay : null;
    }
}
