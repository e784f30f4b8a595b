using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Allocations;

/// <summary>
/// One allocation (RFC 8656 §2.2): a relayed transport address owned by one 5-tuple and one user, with its
/// permissions and channel bindings. Control-plane changes take a lock and publish new arrays (copy on
/// write); the relay paths read those arrays without locks and allocate nothing. All times are
/// <see cref="TimeProvider.GetTimestamp"/> values.
/// </summary>
internal sealed class Allocation
{
    /// <summary>Most permissions (distinct peer IPs) and channels one allocation may hold: bounds memory per user.</summary>
    internal const int MaxPermissions = 512, MaxChannels = 512;

    private readonly Lock _lock = new();
    private Permission[] _permissions = [];
    private ChannelBinding[] _channels = [];
    private long _expires;

    internal Allocation(AllocationInfo info, IClientSink client, UdpRelay relay, long expires, long maxBytesPerSecond, long now)
        : this(info, client, relay.LocalAddress, expires, maxBytesPerSecond, now) => Relay = relay;

    /// <summary>An RFC 6062 TCP allocation: no UDP relay socket, a listening socket and peer data connections instead.</summary>
    internal Allocation(AllocationInfo info, IClientSink client, TcpRelay tcp, long expires, long maxBytesPerSecond, long now)
        : this(info, client, tcp.LocalAddress, expires, maxBytesPerSecond, now) => Tcp = tcp;

    private Allocation(AllocationInfo info, IClientSink client, TransportAddress relayLocal, long expires, long maxBytesPerSecond, long now)
    {
        Info = info;
        Client = client;
        RelayLocal = relayLocal;
        _expires = expires;
        ToPeerLimit = new BandwidthLimiter(maxBytesPerSecond, now);
        ToClientLimit = new BandwidthLimiter(maxBytesPerSecond, now);
    }

    internal AllocationInfo Info { get; }

    internal FiveTuple FiveTuple => Info.FiveTuple;

    internal IClientSink Client { get; }

    /// <summary>The UDP relay socket; null for a TCP allocation.</summary>
    internal UdpRelay? Relay { get; }

    /// <summary>The RFC 6062 relay (listening socket and peer data connections); null for a UDP allocation.</summary>
    internal TcpRelay? Tcp { get; }

    /// <summary>The local address the relay is bound to (the relayed address before external-ip is applied).</summary>
    internal TransportAddress RelayLocal { get; }

    internal BandwidthLimiter ToPeerLimit { get; }

    internal BandwidthLimiter ToClientLimit { get; }

    internal long Expires
    {
        get => Volatile.Read(ref _expires);
        set => Volatile.Write(ref _expires, value);
    }

    internal int PermissionCount => Volatile.Read(ref _permissions).Length;

    internal int ChannelCount => Volatile.Read(ref _channels).Length;

    /// <summary>Whether a live permission covers the peer's IP address (port ignored).</summary>
    internal bool HasPermission(in TransportAddress peer, long now)
    {
        TransportAddress ip = peer.WithPort(0);
        foreach (Permission p in Volatile.Read(ref _permissions))
        {
            if (p.PeerIp == ip)
            {
                return now < p.Expires;
            }
        }
        return false;
    }

    /// <summary>Installs or refreshes the permission for the peer's IP (RFC 8656 §9); false when the allocation is full.</summary>
    internal bool InstallPermission(in TransportAddress peer, long expires)
    {
        TransportAddress ip = peer.WithPort(0);
        lock (_lock)
        {
            foreach (Permission p in _permissions)
            {
                if (p.PeerIp == ip)
                {
                    p.Expires = expires;
                    return true;
                }
            }
            if (_permissions.Length >= MaxPermissions)
            {
                return false;
            }
            Volatile.Write(ref _permissions, [.. _permissions, new Permission(ip, expires)]);
            return true;
        }
    }

    /// <summary>The live channel with this number, or null.</summary>
    internal ChannelBinding? FindChannel(ushort number, long now)
    {
        foreach (ChannelBinding c in Volatile.Read(ref _channels))
        {
            if (c.Number == number)
            {
                return now < c.Expires ? c : null;
            }
        }
        return null;
    }

    /// <summary>The live channel bound to this peer transport address, or null.</summary>
    internal ChannelBinding? FindChannel(in TransportAddress peer, long now)
    {
        foreach (ChannelBinding c in Volatile.Read(ref _channels))
        {
            if (c.Peer == peer)
            {
                return now < c.Expires ? c : null;
            }
        }
        return null;
    }

    /// <summary>Binds or refreshes a channel (RFC 8656 §12.2); bindings in cooldown still block conflicts.</summary>
    internal ChannelBindResult BindChannel(ushort number, in TransportAddress peer, long expires)
    {
        lock (_lock)
        {
            foreach (ChannelBinding c in _channels)
            {
                if (c.Number == number && c.Peer == peer)
                {
                    c.Expires = expires;
                    return ChannelBindResult.Refreshed;
                }
                if (c.Number == number)
                {
                    return ChannelBindResult.NumberInUse;
                }
                if (c.Peer == peer)
                {
                    return ChannelBindResult.PeerInUse;
                }
            }
            if (_channels.Length >= MaxChannels)
            {
                return ChannelBindResult.Full;
            }
            Volatile.Write(ref _channels, [.. _channels, new ChannelBinding(number, peer, expires)]);
            return ChannelBindResult.Created;
        }
    }

    /// <summary>Drops expired permissions and channels whose cooldown is over.</summary>
    internal void Sweep(long now, long cooldownTicks)
    {
        lock (_lock)
        {
            if (Array.Exists(_permissions, p => now >= p.Expires))
            {
                Volatile.Write(ref _permissions, Array.FindAll(_permissions, p => now < p.Expires));
            }
            if (Array.Exists(_channels, c => now >= c.Expires + cooldownTicks))
            {
                Volatile.Write(ref _channels, Array.FindAll(_channels, c => now < c.Expires + cooldownTicks));
            }
        }
    }
}
