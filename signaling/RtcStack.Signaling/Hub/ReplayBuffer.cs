namespace RtcStack.Signaling.Hub;

/// <summary>
/// The last frames a session was sent, with their <c>seq</c>, for resume: at most <c>capacity</c> frames and
/// <c>maxBytes</c> bytes. When either bound is exceeded the oldest frames are evicted, and a client that has not
/// seen them can no longer resume (it gets <c>resume-failed</c> and a new session, never a silent gap). Not
/// thread-safe (the session lock guards it).
/// </summary>
internal sealed class ReplayBuffer(int capacity, long maxBytes = long.MaxValue)
{
    private readonly Queue<(long Seq, byte[] Frame)> _frames = new();

    /// <summary>The highest <c>seq</c> that was evicted (0 when none): a client that saw less cannot resume.</summary>
    public long DroppedUpTo { get; private set; }

    public int Count => _frames.Count;

    /// <summary>Bytes of the frames held.</summary>
    public long Bytes { get; private set; }

    public void Add(long seq, byte[] frame)
    {
        _frames.Enqueue((seq, frame));
        Bytes += frame.Length;
        while (_frames.Count > capacity || Bytes > maxBytes)
        {
            Evict();
        }
    }

    /// <summary>Drops the frames the client acknowledged (seq up to <paramref name="lastSeq"/>); a resume must then start after it.</summary>
    public void Acknowledge(long lastSeq)
    {
        while (_frames.Count > 0 && _frames.Peek().Seq <= lastSeq)
        {
            Evict();
        }
    }

    /// <summary>True when every frame after <paramref name="lastSeq"/> is still here.</summary>
    public bool CanReplayFrom(long lastSeq) => lastSeq >= DroppedUpTo;

    /// <summary>The frames after <paramref name="lastSeq"/>, in order.</summary>
    public IEnumerable<(long Seq, byte[] Frame)> After(long lastSeq) => _frames.Where(f => f.Seq > lastSeq);

    public IEnumerable<(long Seq, byte[] Frame)> All => _frames;

    /// <summary>Restores a buffer handed over by another node (the bounds of this node apply).</summary>
    public void Restore(long droppedUpTo, IEnumerable<(long Seq, byte[] Frame)> frames)
    {
        _frames.Clear();
        Bytes = 0;
        DroppedUpTo = droppedUpTo;
        foreach ((long seq, byte[] frame) in frames)
        {
            Add(seq, frame);
        }
    }

    private void Evict()
    {
        (long seq, byte[] frame) = _frames.Dequeue();
        Bytes -= frame.Length;
        DroppedUpTo = Math.Max(DroppedUpTo, seq);
    }
}
