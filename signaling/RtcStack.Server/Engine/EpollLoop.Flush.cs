namespace RtcStack.Server.Engine;

/// <summary>The end of an <see cref="EpollLoop"/> batch: every socket written to is flushed, through the ring or with send().</summary>
internal sealed partial class EpollLoop
{
    /// <summary>Per submission at most this much of one socket's pending bytes is staged (the rest goes on EPOLLOUT).</summary>
    private const int MaxStagedPerSocket = 64 * 1024;

    /// <summary>Where a submission's bytes are copied for the kernel (pinned: it reads them during io_uring_enter).</summary>
    private readonly byte[] _staging = GC.AllocateUninitializedArray<byte>(256 * 1024, pinned: true);
    private readonly SendRing.Request[] _requests = new SendRing.Request[SendRing.Capacity];
    private readonly int[] _results = new int[SendRing.Capacity];
    private readonly EpollWebSocket?[] _batch = new EpollWebSocket?[SendRing.Capacity];
    private readonly EpollWebSocket.FlushOutcome[] _outcomes = new EpollWebSocket.FlushOutcome[SendRing.Capacity];
    private readonly List<EpollWebSocket> _failed = [];
    private SendRing? _ring; // this thread's io_uring for the batch's sends; null: one send() per socket
    private int _ringRefusals; // submissions refused as a whole in a row

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
    /// The batch's sends in <see cref="SendRing.Capacity"/>-sized io_uring submissions, each socket's first pending bytes
    /// copied into <see cref="_staging"/>. Each socket's lock is held from its copy to its result (nothing else may send
    /// or drop those bytes meanwhile); sockets whose lock is busy (or held by this thread: one socket can be in the list
    /// twice), with nothing to send, or beyond the staging space stay in <see cref="_dirty"/> for the plain flush after
    /// this. What the flushes leave to do (wake a sender, close a lingering socket) runs once no lock is held.
    /// </summary>
    private void FlushDirtyRing(SendRing ring)
    {
        int kept = 0;
        int from = 0;
        while (from < _dirty.Count)
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
            int staged = 0;
            for (int i = from; i < end; i++)
            {
                EpollWebSocket socket = _dirty[i];
                Span<byte> room = _staging.AsSpan(staged, Math.Min(MaxStagedPerSocket, _staging.Length - staged));
                if (socket.TryBeginRingFlush(room, out int length))
                {
                    _requests[n] = new SendRing.Request(socket.Fd, StagingAddress(staged), length);
                    _batch[n++] = socket;
                    staged += length;
                }
                else
                {
                    _dirty[kept++] = socket;
                }
            }
            from = end; // sockets queued while completing this chunk are at the end: the next chunk takes them
            if (n == 0)
            {
                continue;
            }
            SubmitChunk(ring, n);
        }
        // [0, kept) now holds the sockets the ring did not take: FlushDirty sends those with send().
        _dirty.RemoveRange(kept, _dirty.Count - kept);
        foreach (EpollWebSocket socket in _failed)
        {
            Kill(socket);
        }
        _failed.Clear();
    }

    /// <summary>Sends the chunk's <paramref name="n"/> staged requests, applies each result and releases each lock, then completes them.</summary>
    private void SubmitChunk(SendRing ring, int n)
    {
        bool sent;
        bool threw = false;
        try
        {
            sent = ring.SendAll(_requests.AsSpan(0, n), _results);
        }
        catch (Exception ex)
        {
            // Not expected: what the kernel took is unknown, so these sockets fail (never a frame sent twice).
            Failed(Engine.Logger, ex);
            _results.AsSpan(0, n).Fill(-IoUringNative.EIo);
            sent = false;
            threw = true;
        }
        // A submission the kernel refused as a whole leaves its entries NotSubmitted (sent with send() below); after
        // three in a row, or anything worse, this loop stops using the ring and goes on with send().
        _ringRefusals = sent ? 0 : _ringRefusals + 1;
        if (threw || ring.Broken || _ringRefusals >= 3)
        {
            RingDropped(Engine.Logger);
            _ring = null;
            ring.Dispose();
        }
        int taken = 0;
        for (int k = 0; k < n; k++)
        {
            if (_results[k] != SendRing.NotSubmitted)
            {
                taken++;
            }
            try
            {
                _outcomes[k] = _batch[k]!.EndRingFlush(_results[k], _requests[k].Length);
            }
            catch (Exception ex)
            {
                Failed(Engine.Logger, ex);
                _outcomes[k] = EpollWebSocket.FlushOutcome.None;
                _failed.Add(_batch[k]!);
            }
        }
        Engine.Metrics.RingSubmitted(taken, sent);
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

    private nint StagingAddress(int offset) => System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(_staging, offset);

    [LoggerMessage(1026, LogLevel.Warning, "Signaling engine: io_uring failed; this engine thread sends with send() from now on")]
    private static partial void RingDropped(ILogger logger);
}
