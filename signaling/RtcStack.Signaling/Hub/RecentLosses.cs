using RtcStack.Signaling.Backplane;

namespace RtcStack.Signaling.Hub;

/// <summary>
/// The lost-peer notices this node applied lately, numbered, so that a session handed over from another node can get
/// the ones it missed: a notice published after the handover request (on the old owner's channel, after the request,
/// so the old owner no longer has the session) and applied here before the session was installed finds it in
/// neither node's sessions. <see cref="SessionLifecycle.TakeOverAsync"/> takes a <see cref="Mark"/> before it asks for
/// the handover and, once the session is installed, ends its handed-over calls with the peers lost since
/// (<see cref="NodeRecovery.ApplyLossesSinceAsync"/>), the same way (only calls with the sessions lost). Notices are kept a minute (a handover takes at most
/// <c>HandoverTimeout</c>).
/// </summary>
internal sealed class RecentLosses(TimeProvider time)
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();
    private readonly Queue<Notice> _losses = new();
    private long _number;

    /// <summary>The number of the last notice recorded (0 when none).</summary>
    public long Mark()
    {
        lock (_lock)
        {
            return _number;
        }
    }

    /// <summary>Records a notice (before it is applied to this node's sessions); <see cref="Applied"/> once it was.</summary>
    public Notice Record(IReadOnlyCollection<LostSession> lost)
    {
        long now = time.GetTimestamp();
        lock (_lock)
        {
            while (_losses.TryPeek(out var oldest) && time.GetElapsedTime(oldest.At, now) > Keep)
            {
                _losses.Dequeue();
            }
            var notice = new Notice(++_number, now, lost);
            _losses.Enqueue(notice);
            return notice;
        }
    }

    /// <summary>The notice was applied to every session of this node (its loop is over).</summary>
    public void Applied(Notice notice)
    {
        lock (_lock)
        {
            notice.IsApplied = true;
        }
    }

    /// <summary>
    /// True when a notice applied lately (its loop over this node's sessions finished) named <paramref name="sessionId"/>
    /// of <paramref name="peer"/>. A notice still being applied does not count: its loop may yet reach the caller.
    /// </summary>
    public bool Named(string peer, string sessionId)
    {
        lock (_lock)
        {
            foreach (var loss in _losses)
            {
                if (!loss.IsApplied)
                {
                    continue;
                }
                foreach (LostSession lost in loss.Lost)
                {
                    if (lost.SessionId == sessionId && lost.Peer.Value == peer)
                    {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /// <summary>One recorded notice.</summary>
    internal sealed class Notice(long number, long at, IReadOnlyCollection<LostSession> lost)
    {
        public long Number { get; } = number;

        public long At { get; } = at;

        public IReadOnlyCollection<LostSession> Lost { get; } = lost;

        /// <summary>Under the owner's lock.</summary>
        public bool IsApplied { get; set; }
    }

    /// <summary>The sessions of the notices recorded after <paramref name="mark"/>.</summary>
    public List<LostSession> Since(long mark)
    {
        var lost = new List<LostSession>();
        lock (_lock)
        {
            foreach (var loss in _losses)
            {
                if (loss.Number > mark)
                {
                    lost.AddRange(loss.Lost);
                }
            }
        }
        return lost;
    }
}
