using System.Runtime.InteropServices;
using RtcStack.Stun;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The handshakes on the relay loop's epoll: outgoing RFC 6062 Connects awaited until they end (§5.2), and the listening
/// sockets of TCP allocations drained of their peers (§5.3), each registered under an id of its own (high half of the
/// epoll data, with <see cref="ConnectTag"/> or <see cref="AcceptTag"/>).
/// </summary>
internal sealed unsafe partial class TcpRelayLoop
{
    private readonly Dictionary<uint, TcpRelayConnect> _connects = [];
    private readonly Dictionary<uint, TcpRelayAccept> _accepts = [];
    private List<TcpRelayAccept> _drainAgain = [], _draining = []; // capped drains, taken again next turn (loop thread only)
    private uint _nextId; // of connects and listeners (their own dictionaries)

    /// <summary>
    /// Starts an outgoing RFC 6062 Connect from <paramref name="local"/> (the relayed address) to
    /// <paramref name="remote"/> whose end this loop awaits (see <see cref="TcpRelayConnect"/>); null when no socket
    /// could be made.
    /// </summary>
    internal TcpRelayConnect? TryConnect(in TransportAddress local, in TransportAddress remote)
    {
        TcpRelayConnect? connect = TcpRelayConnect.Start(local, remote, out bool inProgress);
        if (connect is null || !inProgress)
        {
            return connect;
        }
        lock (_lock)
        {
            uint id = ++_nextId;
            _connects[id] = connect;
            var ev = new LinuxNative.EpollEvent { Events = LinuxNative.EpollOut | LinuxNative.EpollEt, Data = ((ulong)id << 32) | ConnectTag };
            if (LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlAdd, connect.Fd, &ev) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                _connects.Remove(id);
                connect.Fail(errno);
            }
        }
        return connect;
    }

    /// <summary>
    /// Accepts peers of <paramref name="accept"/>'s listening socket on this loop from now on (pending ones too);
    /// false when it could not be registered (the caller accepts another way).
    /// </summary>
    internal bool TryListen(TcpRelayAccept accept)
    {
        lock (_lock)
        {
            uint id = ++_nextId;
            accept.Id = id;
            _accepts[id] = accept;
            var ev = new LinuxNative.EpollEvent { Events = LinuxNative.EpollIn | LinuxNative.EpollEt, Data = ((ulong)id << 32) | AcceptTag };
            if (LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlAdd, accept.Fd, &ev) == 0)
            {
                return true;
            }
            _accepts.Remove(id);
            return false;
        }
    }

    /// <summary>Stops accepting for <paramref name="accept"/>; once this returns its listening descriptor may be closed.</summary>
    internal void Unlisten(TcpRelayAccept accept)
    {
        lock (_lock)
        {
            if (_accepts.Remove(accept.Id))
            {
                var ev = default(LinuxNative.EpollEvent);
                _ = LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlDel, accept.Fd, &ev);
            }
        }
        accept.Stop(); // waits for a drain in progress on this loop's thread
    }

    private void ConnectEnded(uint id, uint events)
    {
        TcpRelayConnect? connect;
        lock (_lock)
        {
            if (!_connects.Remove(id, out connect))
            {
                return;
            }
            var ev = default(LinuxNative.EpollEvent);
            _ = LinuxNative.EpollCtl(_epoll, LinuxNative.EpollCtlDel, connect.Fd, &ev);
        }
        connect.Completed(events);
    }

    private void AcceptReady(uint id)
    {
        TcpRelayAccept? accept;
        lock (_lock)
        {
            if (!_accepts.TryGetValue(id, out accept))
            {
                return;
            }
        }
        Drain(accept);
    }

    private void Drain(TcpRelayAccept accept)
    {
        if (accept.Drain(out bool more) is var errno and not 0)
        {
            accept.Owner.AcceptExhausted(errno);
        }
        else if (more)
        {
            _drainAgain.Add(accept); // no EAGAIN, so no new edge: come back on the next turn
        }
    }

    private void DrainAgain()
    {
        if (_drainAgain.Count == 0)
        {
            return;
        }
        (_draining, _drainAgain) = (_drainAgain, _draining);
        foreach (TcpRelayAccept accept in _draining)
        {
            Drain(accept); // a stopped (unlistened) one drains nothing
        }
        _draining.Clear();
    }
}
