namespace RtcStack.Turn.Transport;

/// <summary>Ending a test poller: its threads, then its epoll instances, with nothing left holding their fd numbers.</summary>
internal sealed partial class StreamPoller
{
    /// <summary>Tests: the epoll instance of the poller's first thread (or of a <see cref="CreateManual"/> poller).</summary>
    internal int FirstEpoll => _epoll[0];

    /// <summary>
    /// Tests: ends the threads of a <see cref="CreateThreaded"/> poller (each within a second), then closes its epoll instances
    /// and marks every reader and relay still registered as unregistered (epoll fd -1), so a later <see cref="Remove"/> or
    /// <see cref="RemoveRelay"/> does nothing (rather than EPOLL_CTL_DEL on a closed fd number that may be reused). Idempotent.
    /// </summary>
    internal void Stop()
    {
        _stopping = true;
        foreach (Thread thread in _threads)
        {
            _ = thread.Join(TimeSpan.FromSeconds(30));
        }
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            StreamPollReader?[] slots = _readers.Current;
            for (int slot = 0; slot < _readers.Used; slot++)
            {
                if (slots[slot] is { } reader)
                {
                    reader.PollFd = -1;
                    reader.PollData = 0;
                    _readers.Free(slot);
                }
            }
            _relays.DetachAll();
            foreach (int epoll in _epoll)
            {
                _ = LinuxNative.Close(epoll);
            }
        }
    }
}
