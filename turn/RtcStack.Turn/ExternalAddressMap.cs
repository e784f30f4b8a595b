using System.Net;

namespace RtcStack.Turn;

/// <summary>
/// coturn's <c>external-ip</c>: the address advertised in XOR-RELAYED-ADDRESS for a relay that binds a
/// private address behind a 1:1 NAT. <c>PUBLIC</c> applies to the relay address of the same family;
/// <c>PUBLIC/PRIVATE</c> applies to the relay address PRIVATE only.
/// </summary>
internal sealed class ExternalAddressMap
{
    private readonly List<(IPAddress Public, IPAddress? Private)> _entries = [];

    internal ExternalAddressMap(IEnumerable<string> specs)
    {
        foreach (string spec in specs)
        {
            if (TryParse(spec, out IPAddress? pub, out IPAddress? priv))
            {
                _entries.Add((pub, priv));
            }
        }
    }

    internal static bool TryParse(string spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? publicAddress, out IPAddress? privateAddress)
    {
        privateAddress = null;
        int slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? spec.AsSpan().Trim() : spec.AsSpan(0, slash).Trim(), out publicAddress))
        {
            return false;
        }
        if (slash >= 0 && (!IPAddress.TryParse(spec.AsSpan(slash + 1).Trim(), out privateAddress)
            || privateAddress.AddressFamily != publicAddress.AddressFamily))
        {
            publicAddress = null;
            return false;
        }
        return true;
    }

    /// <summary>The address to advertise for a relay socket bound to <paramref name="relayAddress"/>.</summary>
    internal IPAddress Advertised(IPAddress relayAddress)
    {
        foreach ((IPAddress pub, IPAddress? priv) in _entries)
        {
            if (priv is not null ? priv.Equals(relayAddress) : pub.AddressFamily == relayAddress.AddressFamily)
            {
                return pub;
            }
        }
        return relayAddress;
    }
}
