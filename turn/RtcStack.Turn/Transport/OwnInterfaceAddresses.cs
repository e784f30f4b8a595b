using System.Net;
using System.Net.NetworkInformation;

namespace RtcStack.Turn.Transport;

/// <summary>The machine's unicast addresses: what a wildcard listener means for the "own address" deny rule.</summary>
internal static class OwnInterfaceAddresses
{
    internal static List<IPAddress> All()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)];
        }
        catch (NetworkInformationException)
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
    }
}
