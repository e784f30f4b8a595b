namespace RtcStack.Turn.Policy;

/// <summary>
/// Peer ranges denied unless an operator allow rule opens them: the IANA IPv4 and IPv6
/// Special-Purpose Address Registries (RFC 6890 and updates), plus multicast and deprecated blocks.
/// </summary>
internal static class DefaultDeniedRanges
{
    /// <summary>CIDR text of every default-denied range, with its reason.</summary>
    internal static readonly (string Cidr, string Reason)[] Table =
    [
        ("0.0.0.0/8", "this network (RFC 791)"),
        ("10.0.0.0/8", "private (RFC 1918)"),
        ("100.64.0.0/10", "shared address space, CGNAT (RFC 6598)"),
        ("127.0.0.0/8", "loopback (RFC 1122)"),
        ("169.254.0.0/16", "link-local (RFC 3927)"),
        ("172.16.0.0/12", "private (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
        ("192.31.196.0/24", "AS112-v4 (RFC 7535)"),
        ("192.52.193.0/24", "AMT (RFC 7450)"),
        ("192.88.99.0/24", "6to4 relay anycast (RFC 7526)"),
        ("192.168.0.0/16", "private (RFC 1918)"),
        ("192.175.48.0/24", "direct delegation AS112 (RFC 7534)"),
        ("198.18.0.0/15", "benchmarking (RFC 2544)"),
        ("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
        ("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
        ("224.0.0.0/4", "multicast (RFC 5771)"),
        ("240.0.0.0/4", "reserved, including broadcast 255.255.255.255 (RFC 1112, RFC 919)"),
        ("::/96", "unspecified ::/128, loopback ::1 and deprecated IPv4-compatible (RFC 4291)"),
        ("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
        ("100::/64", "discard-only (RFC 6666)"),
        ("2001::/23", "IETF protocol assignments, Teredo, benchmarking, ORCHID (RFC 2928, 4380, 5180, 7343)"),
        ("2001:db8::/32", "documentation (RFC 3849)"),
        ("2002::/16", "6to4 (RFC 3056)"),
        ("3fff::/20", "documentation (RFC 9637)"),
        ("5f00::/16", "SRv6 SIDs (RFC 9602)"),
        ("fc00::/7", "unique-local (RFC 4193)"),
        ("fe80::/10", "link-local unicast (RFC 4291)"),
        ("fec0::/10", "deprecated site-local (RFC 3879)"),
        ("ff00::/8", "multicast (RFC 4291)"),
    ];

    internal static PeerAddressRange[] Build() => Array.ConvertAll(Table, e => PeerAddressRange.Cidr(e.Cidr));
}
