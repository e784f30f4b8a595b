namespace RtcStack.Sctp.Tests;

/// <summary>
/// Two associations joined in memory, driven in virtual time. Packets are queued, not delivered
/// re-entrantly; a seeded Random decides loss, duplication and reordering, so runs are repeatable.
/// </summary>
internal sealed class SimulatedNetwork : IAsyncDisposable
{
    private readonly List<(bool ToB, byte[] Data)> _wire = [];
    private readonly Random _random;

    public SimulatedNetwork(int seed = 1, Action<SctpAssociationOptions>? configure = null)
    {
        _random = new Random(seed);
        Time = new ManualTimeProvider();
        var optionsA = new SctpAssociationOptions { IsDtlsClient = true };
        var optionsB = new SctpAssociationOptions { IsDtlsClient = false };
        configure?.Invoke(optionsA);
        configure?.Invoke(optionsB);
        A = new SctpAssociation(new Link(this, toB: true), optionsA, Time);
        B = new SctpAssociation(new Link(this, toB: false), optionsB, Time);
    }

    public ManualTimeProvider Time { get; }

    public SctpAssociation A { get; }

    public SctpAssociation B { get; }

    public double Loss { get; set; }

    public double Duplication { get; set; }

    public double Reordering { get; set; }

    /// <summary>Drop every packet for which this returns true (after random loss).</summary>
    public Func<bool, byte[], bool>? Filter { get; set; }

    public long Delivered { get; private set; }

    /// <summary>Delivers packets; when the wire is idle advances virtual time to the next timer.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan maxVirtualTime, int maxPackets = 5_000_000)
    {
        TimeSpan limit = Time.Elapsed + maxVirtualTime;
        int steps = 0;
        while (!done())
        {
            if (_wire.Count > 0)
            {
                if (++steps > maxPackets)
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

    public bool Connect()
    {
        A.Start();
        B.Start();
        return RunUntil(() => A.State == SctpAssociationState.Established && B.State == SctpAssociationState.Established, TimeSpan.FromMinutes(2));
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }

    private void Send(bool toB, ReadOnlyMemory<byte> packet)
    {
        if (Loss > 0 && _random.NextDouble() < Loss)
        {
            return;
        }

        byte[] copy = packet.ToArray();
        if (Filter?.Invoke(toB, copy) == true)
        {
            return;
        }

        _wire.Add((toB, copy));
        if (Duplication > 0 && _random.NextDouble() < Duplication)
        {
            _wire.Add((toB, copy));
        }
    }

    private sealed class Link(SimulatedNetwork network, bool toB) : ISctpTransport
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
        {
            network.Send(toB, packet);
            return ValueTask.CompletedTask;
        }
    }
}
