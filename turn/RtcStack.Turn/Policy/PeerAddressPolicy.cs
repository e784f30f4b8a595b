using System.Net;

namespace RtcStack.Turn.Policy;

/// <summary>
/// Which peers an allocation may reach (RFC 8656 §21.1 and §7.2 step 4 of CreatePermission): applied to
/// CreatePermission, ChannelBind, Send indications and RFC 6062 Connect. The peer address is normalised first
/// (IPv4-mapped and NAT64 spellings become IPv4). Operator rules come first: among the allow and deny rules
/// that contain the address, the most specific wins and an allow beats a deny of the same size (coturn's
/// "allowed beats denied"). When no operator rule matches, the built-in special-purpose ranges and the server's
/// own addresses are denied and everything else is allowed. Sending to one of the server's own listening
/// transport addresses is refused by <see cref="IsOwnListener"/> whatever the rules say.
/// </summary>
internal sealed class PeerAddressPolicy
{
    private readonly PeerAddressRange[] _allowed;
    private readonly PeerAddressRange[] _denied;
    private readonly PeerAddressRange[] _defaults;
    private readonly UInt128[] _ownAddresses;
    private readonly (UInt128 Address, int Port)[] _ownListeners;

    internal PeerAddressPolicy(
        IEnumerable<PeerAddressRange> allowed,
        IEnumerable<PeerAddressRange> denied,
        IEnumerable<IPAddress> ownAddresses,
        IEnumerable<IPEndPoint> ownListeners)
    {
        _allowed = [.. allowed];
        _denied = [.. denied];
        _defaults = DefaultDeniedRanges.Build();
        _ownAddresses = [.. ownAddresses.Select(a => IpAddressValue.Normalize(IpAddressValue.FromAddress(a)))];
        _ownListeners = [.. ownListeners.Select(e => (IpAddressValue.Normalize(IpAddressValue.FromAddress(e.Address)), e.Port))];
    }

    /// <summary>Checks an address given as bytes (4 or 16). Allocates nothing.</summary>
    internal PeerAddressDecision Check(ReadOnlySpan<byte> address) => Check(IpAddressValue.FromBytes(address));

    /// <summary>Checks an <see cref="IPAddress"/>. Allocates nothing.</summary>
    internal PeerAddressDecision Check(IPAddress address) => Check(IpAddressValue.FromAddress(address));

    /// <summary>Checks a value (normalised here). Allocates nothing.</summary>
    internal PeerAddressDecision Check(UInt128 value)
    {
        value = IpAddressValue.Normalize(value);
        bool allowFound = BestMatch(_allowed, value, out UInt128 allowSpan);
        bool denyFound = BestMatch(_denied, value, out UInt128 denySpan);
        if (allowFound && (!denyFound || allowSpan <= denySpan))
        {
            return PeerAddressDecision.AllowedByRule;
        }
        if (denyFound)
        {
            return PeerAddressDecision.DeniedByRule;
        }
        foreach (UInt128 own in _ownAddresses)
        {
            if (own == value)
            {
                return PeerAddressDecision.DeniedOwnAddress;
            }
        }
        return BestMatch(_defaults, value, out _) ? PeerAddressDecision.DeniedByDefault : PeerAddressDecision.Allowed;
    }

    /// <summary>Whether the peer transport address is one of this server's listening sockets (never a valid peer).</summary>
    internal bool IsOwnListener(UInt128 address, int port)
    {
        address = IpAddressValue.Normalize(address);
        foreach ((UInt128 a, int p) in _ownListeners)
        {
            if (p == port && a == address)
            {
                return true;
            }
        }
        return false;
    }

    internal static bool IsAllowed(PeerAddressDecision decision) =>
        decision is PeerAddressDecision.Allowed or PeerAddressDecision.AllowedByRule;

    private static bool BestMatch(PeerAddressRange[] ranges, UInt128 value, out UInt128 span)
    {
        bool found = false;
        span = UInt128.MaxValue;
        foreach (PeerAddressRange r in ranges)
        {
            if (r.Contains(value) && (!found || r.Span < span))
            {
                found = true;
                span = r.Span;
            }
        }
        return found;
    }
}
