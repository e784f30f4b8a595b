namespace RtcStack.Server.Engine;

/// <summary>The end of an <see cref="EpollLoop"/> batch: every socket written to is flushed, through the ring or with send().</summary>
internal sealed partial class EpollLoop
{
    private readonly SendRing.Request[] _requests = new SendRing.Request[SendRing.Capacity];
    private readonly int[] _results = new int[SendRing.Capacity];
    private readonly EpollWebSocket?[] _batch = new EpollWebSocket?[SendRing.Capacity];
    private readonly EpollWebSocket.FlushOutcome[] _outcomes = new EpollWebSocket.FlushOutcome[SendRing.Capacity];
    private readonly List<EpollWebSocket> _failed = [];
    private SendRing? _ring; // this thread's io_uring for the batch's sends; null: one send() per socket

    /// <summary>On this thread (the ring's only submitter): the ring, or null (logged) where io_uring is not available.</summary>
    private SendRing? CreateRing()
    {
        SendRing? ring = SendRing.TryCreate(out int errno);
        if (ring is null)
        {
            RingUnavailable(Engine.Logger, errno);
        }
        return ring;
    }

    private void FlushDirty()
    {
        if (_ring is not null && _dirty.Count > 1)
        {
            FlushDirtyRing(_ring);
        }
        // A flush never adds to the list (it runs no continuation that sends), but index-based in case it ever does.
        for (int i = 0; i < _dirty.Count; i++)
        {
            FlushGuarded(_dirty[i]);
        }
        _dirty.Clear();
    }

    private void FlushGuarded(EpollWebSocket socket)
    {
        try
        {
            socket.Flush();
        }
        catch (Exception ex)
        {
            Failed(Engine.Logger, ex);
            Kill(socket);
        }
    }

    /// <summary>
    /// The batch's sends in <see cref="SendRing.Capacity"/>-sized io_uring submissions. Each socket's lock is held from
    /// its request to its result (its buffer must not change meanwhile); sockets whose lock is busy, or with nothing to
    /// send, stay in <see cref="_dirty"/> for the plain flush after this. What the flushes leave to do (wake a sender,
    /// close a lingering socket) runs once no lock is held.
    /// </summary>
    private void FlushDirtyRing(SendRing ring)
    {
        int kept = 0;
        for (int from = 0; from < _dirty.Count; from += SendRing.Capacity)
        {
            if (_ring is null)
            {
                // The ring failed in an earlier chunk: the rest goes out with send().
                for (int i = from; i < _dirty.Count; i++)
                {
                    _dirty[kept++] = _dirty[i];
                }
                break;
            }
            int end = Math.Min(_dirty.Count, from + SendRing.Capacity);
            int n = 0;
            for (int i = from; i < end; i++)
            {
                EpollWebSocket socket = _dirty[i];
                if (socket.TryBeginRingFlush(out _requests[n]))
                {
                    _batch[n++] = socket;
                }
                else
                {
                    _dirty[kept++] = socket;
                }
            }
            if (n == 0)
            {
                continue;
            }
            bool sent;
            try
            {
                sent = ring.SendAll(_requests.AsSpan(0, n), _results);
            }
            catch (Exception ex)
            {
                // Not expected: what the kernel took is unknown, so these sockets fail (never a frame sent twice),
                // and the loop goes on with send() (the locks below are released either way).
                Failed(Engine.Logger, ex);
                _results.AsSpan(0, n).Fill(-IoUringNative.EIo);
                sent = false;
                _ring = null;
                ring.Dispose();
            }
            Engine.Metrics.RingSubmitted(n, sent);
            for (int k = 0; k < n; k++)
            {
                try
                {
                    _outcomes[k] = _batch[k]!.EndRingFlush(_results[k]);
                }
                catch (Exception ex)
                {
                    Failed(Engine.Logger, ex);
                    _outcomes[k] = EpollWebSocket.FlushOutcome.None;
                    _failed.Add(_batch[k]!);
                }
            }
            for (int k = 0; k < n; k++)
            {
                EpollWebSocket socket = _batch[k]!;
                _batch[k] = null;
                try
                {
                    socket.Complete(_outcomes[k]);
                }
                catch (Exception ex)
                {
                    Failed(Engine.Logger, ex);
                    _failed.Add(socket);
                }
            }
        }
        // [0, kept) now holds the sockets the ring did not take: FlushDirty sends those with send().
        _dirty.RemoveRange(kept, _dirty.Count - kept);
        foreach (EpollWebSocket socket in _failed)
        {
            Kill(socket);
        }
        _failed.Clear();
    }
}
