namespace RtcStack.Turn.Transport;

/// <summary>
/// The slot array a poller looks up by epoll event data (<see cref="RelaySlots"/>'s relays, <see cref="StreamPoller"/>'s
/// readers): a slot and a per-slot generation that is bumped on every reuse (never 0, which marks an item that holds no
/// slot). The caller holds its lock around <see cref="Reserve"/>, <see cref="Publish"/> and <see cref="Free"/>; lookups
/// read <see cref="Current"/> lock-free and check the item's own generation. The array is replaced, not resized in place,
/// so a lookup that read it before it grew still sees a consistent (older) array.
/// </summary>
internal sealed class PollSlotTable<T>(int capacity)
    where T : class
{
    private readonly Stack<int> _free = new();
    private T?[] _slots = new T?[capacity];
    private uint[] _generations = new uint[capacity];
    private int _used;

    /// <summary>The slot array as a lookup that started now would read it.</summary>
    internal T?[] Current => Volatile.Read(ref _slots);

    /// <summary>Slots ever taken: every held slot is below this.</summary>
    internal int Used => _used;

    /// <summary>Takes a free slot (growing the array when full) and its next generation; <see cref="Publish"/> the item once it knows both.</summary>
    internal int Reserve(out uint generation)
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
                var grown = new T?[_used * 2];
                Array.Copy(_slots, grown, _used);
                Volatile.Write(ref _slots, grown);
            }
            slot = _used++;
        }
        generation = ++_generations[slot];
        if (generation == 0)
        {
            generation = ++_generations[slot]; // 0 marks an item that holds no slot
        }
        return slot;
    }

    /// <summary>Makes <paramref name="item"/> (its slot and generation already set) visible to lookups.</summary>
    internal void Publish(int slot, T item) => Volatile.Write(ref _slots[slot], item);

    /// <summary>Whether <paramref name="slot"/> holds <paramref name="item"/>.</summary>
    internal bool Holds(int slot, T item) => slot >= 0 && slot < _slots.Length && ReferenceEquals(_slots[slot], item);

    /// <summary>Empties <paramref name="slot"/> for reuse (clear the item's generation first).</summary>
    internal void Free(int slot)
    {
        Volatile.Write(ref _slots[slot], null);
        _free.Push(slot);
    }
}
