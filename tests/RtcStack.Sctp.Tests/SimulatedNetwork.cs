namespace RtcStack.Sctp.Tests;

/// <summary>
/// Two associations joined in memory, driven in virtual time. Packets are queued, not delivered
/// re-entrantly; a seeded Random decides loss, duplication and reordering, so runs are repeatable.
/// </summary>
internal sealed class SimulatedNetwork : VirtualNetwork
{
    private const int MaxPackets = 5_000_000;
    private readonly List<(bool ToB, byte[] Data)> _wire = [];
    private readonly Random _random;

    public SimulatedNetwork(int seed = 1, Action<SctpAssociationOptions>? configure = null)
        : base(configure, configure)
    {
        _random = new Random(seed);
    }

    public double Loss { get; set; }

    public double Duplication { get; set; }

    public double Reordering { get; set; }

    public long Delivered { get; private set; }

    /// <summary>Delivers packets; when the wire is idle advances virtual time to the next timer.</summary>
    public override bool RunUntil(Func<bool> done, TimeSpan maxVirtualTime)
    {
        TimeSpan limit = Time.Elapsed + maxVirtualTime;
        int steps = 0;
        while (!done())
        {
            if (_wire.Count > 0)
            {
                if (++steps > MaxPackets)
                {
                    return false;
                }

                int index = Reordering > 0 && _wire.Count > 1 && _random.NextDouble() < Reordering ? _random.Next(1, Math.Min(_wire.Count, 4)) : 0;
                (bool toB, byte[] data) = _wire[index];
                _wire.RemoveAt(index);
                Delivered++;
                (toB ? B : A).HandlePacket(data);
                continue;
            }

            if (Time.Elapsed >= limit)
            {
                return false;
            }

            TimeSpan step = Time.NextDue ?? TimeSpan.FromMilliseconds(100);
            Time.Advance(step > TimeSpan.Zero ? step : TimeSpan.FromTicks(1));
        }

        return true;
    }

    protected override bool DropsBeforeFilter() => Loss > 0 && _random.NextDouble() < Loss;

    protected override void Carry(bool toB, byte[] packet)
    {
        _wire.Add((toB, packet));
        if (Duplication > 0 && _random.NextDouble() < Duplication)
        {
            _wire.Add((toB, packet));
        }
    }
}
