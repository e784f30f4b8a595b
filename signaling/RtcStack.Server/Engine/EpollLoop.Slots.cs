namespace RtcStack.Server.Engine;

/// <summary>The slots of an <see cref="EpollLoop"/>: which socket an epoll event is for (slot and generation), registration and release.</summary>
internal sealed partial class EpollLoop
{
    /// <summary>Forgets an open socket (this thread only, before its descriptor is closed).</summary>
    public void Unregister(EpollWebSocket socket)
    {
        var ev = default(EpollNative.EpollEvent);
        EpollNative.EpollCtl(_epoll, EpollNative.CtlDel, socket.Fd, ref ev);
        FreeSlot(socket.Slot);
    }

    /// <summary>Forgets a socket still in its handshake (this thread only), to close it or pass it to Kestrel.</summary>
    public void Unregister(PendingHead head)
    {
        var ev = default(EpollNative.EpollEvent);
        EpollNative.EpollCtl(_epoll, EpollNative.CtlDel, head.Fd, ref ev);
        FreeSlot(head.Slot);
        _heads.Remove(head);
    }

    /// <summary>The handshake completed: the same slot now holds the WebSocket (this thread only).</summary>
    public void Upgrade(PendingHead head, EpollWebSocket socket)
    {
        _slots[head.Slot] = socket;
        _heads.Remove(head);
    }

    private void Register(PendingHead head)
    {
        int slot = _free.Count > 0 ? _free.Pop() : NewSlot();
        _slots[slot] = head;
        _generations[slot]++;
        head.Slot = slot;
        head.Deadline = Environment.TickCount64 + (long)Engine.FirstByteTimeout.TotalMilliseconds;
        _heads.Add(head);
        Count++;
        var ev = new EpollNative.EpollEvent { Events = Interest(false), Data = DataFor(slot) };
        if (EpollNative.EpollCtl(_epoll, EpollNative.CtlAdd, head.Fd, ref ev) != 0)
        {
            FreeSlot(slot);
            _heads.Remove(head);
            head.CloseSocket();
        }
    }

    private int NewSlot()
    {
        if (_nextSlot == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
            Array.Resize(ref _generations, _generations.Length * 2);
        }
        return _nextSlot++;
    }

    private void FreeSlot(int slot)
    {
        if (_slots[slot] is null)
        {
            return;
        }
        _slots[slot] = null;
        _generations[slot]++;
        _free.Push(slot);
        Count--;
    }
}
