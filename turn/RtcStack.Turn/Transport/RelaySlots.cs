namespace RtcStack.Turn.Transport;

/// <summary>
/// The UDP relay sockets a poller thread serves, by epoll event data: <see cref="RelayPoller"/>'s, and those a
/// <see cref="StreamPoller"/> serves besides its client connections (the relay of an allocation whose client is a TCP/TLS
/// connection read by that poller is registered on the same epoll instance as the connection, so the thread that has the
/// connection hot relays the peer's answers). An epoll event's data is <c>generation &lt;&lt; 32 | <see cref="Tag"/> | slot</c>;
/// the tag tells relays from a stream poller's readers. The caller (the poller) holds its lock around <see cref="Add"/>,
/// <see cref="Remove"/>, <see cref="Register"/>, <see cref="Unregister"/> and <see cref="DetachAll"/>; lookups are lock-free. A removed relay's generation is reset to 0 (never
/// issued), so a lookup that read the slot array before it grew (the old array still holds the relay) does not find it.
/// </summary>
internal sealed class RelaySlots
{
    /// <summary>Bit 31 of an event's slot word: the slot is a relay's, not a reader's.</summary>
    internal const uint Tag = 1u << 31;

    private readonly PollSlotTable<UdpRelay> _table = new(16);

    /// <summary>Tests: the slot array as a lookup that started now would read it.</summary>
    internal UdpRelay?[] Current => _table.Current;

    /// <summary>Takes a slot for <paramref name="relay"/> (sets its slot and generation); the epoll data to register it with.</summary>
    internal ulong Add(UdpRelay relay)
    {
        int slot = _table.Reserve(out uint generation);
        relay.PollSlot = slot;
        relay.PollGeneration = generation;
        _table.Publish(slot, relay);
        return ((ulong)generation << 32) | Tag | (uint)slot;
    }

    /// <summary>Frees <paramref name="relay"/>'s slot; false when it does not hold one.</summary>
    internal bool Remove(UdpRelay relay)
    {
        int slot = relay.PollSlot;
        if (!_table.Holds(slot, relay))
        {
            return false;
        }
        relay.PollGeneration = 0; // first: a lookup holding an older array still finds the relay there
        _table.Free(slot);
        return true;
    }

    /// <summary>
    /// Takes a slot for <paramref name="relay"/> and registers its socket for reading on the epoll instance
    /// <paramref name="epollFd"/>; false (slot freed, relay unregistered) if the kernel refused it.
    /// </summary>
    internal unsafe bool Register(UdpRelay relay, int epollFd)
    {
        var ev = new LinuxNative.EpollEvent { Events = LinuxNative.EpollIn, Data = Add(relay) };
        relay.PollFd = epollFd;
        if (LinuxNative.EpollCtl(epollFd, LinuxNative.EpollCtlAdd, (int)relay.Socket.SafeHandle.DangerousGetHandle(), &ev) != 0)
        {
            _ = Remove(relay);
            relay.PollFd = -1;
            return false;
        }
        return true;
    }

    /// <summary>Takes <paramref name="relay"/>'s socket off its epoll instance and frees its slot; nothing when it is not registered.</summary>
    internal unsafe void Unregister(UdpRelay relay)
    {
        if (relay.PollFd < 0 || !Remove(relay))
        {
            return;
        }
        var ev = default(LinuxNative.EpollEvent);
        _ = LinuxNative.EpollCtl(relay.PollFd, LinuxNative.EpollCtlDel, (int)relay.Socket.SafeHandle.DangerousGetHandle(), &ev);
        relay.PollFd = -1;
    }

    /// <summary>Frees every slot and marks each relay unregistered (epoll fd -1): the poller's epoll instances are closing.</summary>
    internal void DetachAll()
    {
        UdpRelay?[] slots = _table.Current;
        for (int slot = 0; slot < _table.Used; slot++)
        {
            if (slots[slot] is { } relay)
            {
                relay.PollGeneration = 0;
                relay.PollFd = -1;
                _table.Free(slot);
            }
        }
    }

    /// <summary>The relay an event's data names, or null when its slot was freed or reused since.</summary>
    internal UdpRelay? Find(ulong data) => Find(_table.Current, data);

    /// <summary>The relay <paramref name="data"/> names in <paramref name="slots"/> (the current array, or one read before it grew).</summary>
    internal static UdpRelay? Find(UdpRelay?[] slots, ulong data)
    {
        int slot = (int)((uint)data & ~Tag);
        UdpRelay? relay = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
        return relay is not null && relay.PollGeneration == (uint)(data >> 32) ? relay : null;
    }
}
