namespace RtcStack.Signaling.Hub;

/// <summary>The last N frames a session was sent, with their <c>seq</c>, for resume. Not thread-safe (the session lock guards it).</summary>
internal sealed class ReplayBuffer(int capacity)
{
    private readonly Queue<(long Seq, byte[] Frame)> _frames = new();

    /// <summary>The highest <c>seq</c> that was evicted (0 when none): a client that saw less cannot resume.</summary>
    public long DroppedUpTo { get; private set; }

    public int Count => _frames.Count;

    public void Add(long seq, byte[] frame)
    {
        if (_frames.Count >= capacity)
        {
            DroppedUpTo = _frames.Dequeue().Seq;
        }
        _frames.Enqueue((seq, frame));
    }

    /// <summary>Drops the frames the client acknowledged (seq up to <paramref name="lastSeq"/>); a resume must then start after it.</summary>
    public void Acknowledge(long lastSeq)
    {
        while (_frames.Count > 0 && _frames.Peek().Seq <= lastSeq)
        {
            DroppedUpTo = Math.Max(DroppedUpTo, _frames.Dequeue().Seq);
        }
    }

    /// <summary>True when every frame after <paramref name="lastSeq"/> is still here.</summary>
    public bool CanReplayFrom(long lastSeq) => lastSeq >= DroppedUpTo;

    /// <summary>The frames after <paramref name="lastSeq"/>, in order.</summary>
    public IEnumerable<(long Seq, byte[] Frame)> After(long lastSeq) => _frames.Where(f => f.Seq > lastSeq);

    public IEnumerable<(long Seq, byte[] Frame)> All => _frames;

    /// <summary>Restores a buffer handed over by another node.</summary>
    public void Restore(long droppedUpTo, IEnumerable<(long Seq, byte[] Frame)> frames)
    {
        _frames.Clear();
        DroppedUpTo = droppedUpTo;
        foreach ((long seq, byte[] frame) in frames)
        {
            Add(seq, frame);
        }
    }
}
