namespace RtcStack.Sctp.Tests;

/// <summary>
/// Two associations joined by a path like a TURN relay on a busy host, in virtual time: each direction
/// is a FIFO of at most <see cref="QueueLimit"/> datagrams (a socket receive buffer) drained at
/// <see cref="PacketsPerMs"/> after a one-way <see cref="DelayMs"/>; a datagram arriving at a full queue
/// is dropped (tail drop), so a burst larger than the buffer loses its tail. <see cref="Filter"/> drops
/// chosen packets on top. Deterministic: no randomness, no threads.
/// </summary>
internal sealed class BottleneckNetwork : VirtualNetwork
{
    private readonly Queue<(long At, byte[] Data)> _toB = new();
    private readonly Queue<(long At, byte[] Data)> _toA = new();
    private long _lastToB;
    private long _lastToA;

    public BottleneckNetwork(Action<SctpAssociationOptions>? configureA = null, Action<SctpAssociationOptions>? configureB = null)
        : base(configureA, configureB)
    {
    }

    public int QueueLimit { get; set; } = 64;

    public double PacketsPerMs { get; set; } = 10;

    public long DelayMs { get; set; } = 1;

    public long TailDrops { get; private set; }

    private long NowTicks => Time.Elapsed.Ticks;

    public override bool RunUntil(Func<bool> done, TimeSpan maxVirtualTime)
    {
        long limit = NowTicks + maxVirtualTime.Ticks;
        while (!done())
        {
            long? next = Min(Head(_toB), Head(_toA));
            if (Time.NextDue is TimeSpan due)
            {
                next = Min(next, NowTicks + due.Ticks);
            }

            if (next is not long at || at > limit)
            {
                return false;
            }

            if (at > NowTicks)
            {
                Time.Advance(TimeSpan.FromTicks(at - NowTicks));
            }

            DeliverDue(_toB, B);
            DeliverDue(_toA, A);
        }

        return true;
    }

    private void DeliverDue(Queue<(long At, byte[] Data)> queue, SctpAssociation to)
    {
        while (queue.TryPeek(out (long At, byte[] Data) head) && head.At <= NowTicks)
        {
            queue.Dequeue();
            to.HandlePacket(head.Data);
        }
    }

    protected override void Carry(bool toB, byte[] copy)
    {
        Queue<(long At, byte[] Data)> queue = toB ? _toB : _toA;
        if (queue.Count >= QueueLimit)
        {
            TailDrops++;
            return;
        }

        long spacing = (long)(TimeSpan.TicksPerMillisecond / PacketsPerMs);
        long last = toB ? _lastToB : _lastToA;
        long at = Math.Max(NowTicks + (DelayMs * TimeSpan.TicksPerMillisecond), last + spacing);
        if (toB)
        {
            _lastToB = at;
        }
        else
        {
            _lastToA = at;
        }

        queue.Enqueue((at, copy));
    }

    private static long? Head(Queue<(long At, byte[] Data)> queue) => queue.TryPeek(out (long At, byte[] Data) head) ? head.At : null;

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
