namespace RtcStack.Sctp.Tests;

/// <summary>
/// Two associations, A (DTLS client side) and B, joined in memory and driven in virtual time. Subclasses decide
/// how a packet travels (<see cref="Carry"/>) and how time runs (<see cref="RunUntil"/>); <see cref="Filter"/>
/// drops chosen packets before they enter the path.
/// </summary>
internal abstract class VirtualNetwork : IAsyncDisposable
{
    protected VirtualNetwork(Action<SctpAssociationOptions>? configureA, Action<SctpAssociationOptions>? configureB)
    {
        Time = new ManualTimeProvider();
        var optionsA = new SctpAssociationOptions { IsDtlsClient = true };
        var optionsB = new SctpAssociationOptions { IsDtlsClient = false };
        configureA?.Invoke(optionsA);
        configureB?.Invoke(optionsB);
        A = new SctpAssociation(new Link(this, toB: true), optionsA, Time);
        B = new SctpAssociation(new Link(this, toB: false), optionsB, Time);
    }

    public ManualTimeProvider Time { get; }

    public SctpAssociation A { get; }

    public SctpAssociation B { get; }

    /// <summary>Drop every packet for which this returns true (toB, bytes).</summary>
    public Func<bool, byte[], bool>? Filter { get; set; }

    /// <summary>Runs until <paramref name="done"/>; false when <paramref name="maxVirtualTime"/> passes first.</summary>
    public abstract bool RunUntil(Func<bool> done, TimeSpan maxVirtualTime);

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

    /// <summary>Whether the path should drop this packet before <see cref="Carry"/> sees it.</summary>
    protected virtual bool DropsBeforeFilter() => false;

    /// <summary>Puts a packet (a private copy that passed the filter) on the path towards B or A.</summary>
    protected abstract void Carry(bool toB, byte[] packet);

    private void Send(bool toB, ReadOnlyMemory<byte> packet)
    {
        if (DropsBeforeFilter())
        {
            return;
        }

        byte[] copy = packet.ToArray();
        if (Filter?.Invoke(toB, copy) != true)
        {
            Carry(toB, copy);
        }
    }

    private sealed class Link(VirtualNetwork network, bool toB) : ISctpTransport
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
        {
            network.Send(toB, packet);
            return ValueTask.CompletedTask;
        }
    }
}
