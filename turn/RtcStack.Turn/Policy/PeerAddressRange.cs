using System.Net;
using System.Net.Sockets;

namespace RtcStack.Turn.Policy;

/// <summary>An inclusive range of addresses on the <see cref="IpAddressValue"/> line.</summary>
internal readonly record struct PeerAddressRange(UInt128 First, UInt128 Last)
{
    /// <summary>Number of addresses minus one: smaller is more specific.</summary>
    internal UInt128 Span => Last - First;

    internal bool Contains(UInt128 value) => value >= First && value <= Last;

    /// <summary>
    /// Parses the coturn and CIDR spellings: <c>1.2.3.4</c>, <c>1.2.3.0/24</c>, <c>1.2.3.4-1.2.3.9</c>,
    /// <c>2001:db8::/32</c>, <c>2001:db8::1-2001:db8::9</c>. IPv4-mapped and NAT64 spellings are normalised.
    /// </summary>
    internal static bool TryParse(string text, out PeerAddressRange range)
    {
        range = default;
        text = text.Trim();
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            if (!TryParseAddress(text.AsSpan(0, dash).Trim(), out IPAddress? a)
                || !TryParseAddress(text.AsSpan(dash + 1).Trim(), out IPAddress? b))
            {
                return false;
            }
            UInt128 first = IpAddressValue.Normalize(IpAddressValue.FromAddress(a));
            UInt128 last = IpAddressValue.Normalize(IpAddressValue.FromAddress(b));
            if (first > last || IpAddressValue.IsIPv4(first) != IpAddressValue.IsIPv4(last))
            {
                return false;
            }
            range = new PeerAddressRange(first, last);
            return true;
        }
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!TryParseAddress(slash < 0 ? text.AsSpan() : text.AsSpan(0, slash), out IPAddress? address))
        {
            return false;
        }
        int bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = bits;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            return false;
        }
        range = FromPrefix(address, prefix);
        return true;
    }

    /// <summary>Like inet_pton: IPv4 only as four dotted decimals (no "1.2.3" shorthand), or IPv6.</summary>
    private static bool TryParseAddress(ReadOnlySpan<char> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        bool v6 = text.Contains(':');
        return (v6 || text.Count('.') == 3) && IPAddress.TryParse(text, out address);
    }

    /// <summary>Parses a CIDR known to be valid (built-in tables).</summary>
    internal static PeerAddressRange Cidr(string cidr) =>
        TryParse(cidr, out PeerAddressRange range) ? range : throw new ArgumentException($"bad range {cidr}", nameof(cidr));

    private static PeerAddressRange FromPrefix(IPAddress address, int prefix)
    {
        UInt128 baseValue = IpAddressValue.FromAddress(address);
        int hostBits = (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) - prefix;
        UInt128 hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        UInt128 first = baseValue & ~hostMask;
        UInt128 last = first | hostMask;
        // A mapped or NAT64 network written in IPv6 is folded onto IPv4 when it lies inside one /96.
        UInt128 nFirst = IpAddressValue.Normalize(first);
        UInt128 nLast = IpAddressValue.Normalize(last);
        return nFirst != first && nLast - nFirst == last - first
            ? new PeerAddressRange(nFirst, nLast)
            : new PeerAddressRange(first, last);
    }
}
