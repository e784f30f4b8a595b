using System.Net;
using RtcStack.Turn.Policy;

namespace RtcStack.Turn;

/// <summary>Checks <see cref="TurnOptions"/> before the server starts; every problem becomes one message.</summary>
internal static class TurnOptionsValidator
{
    internal static IReadOnlyList<string> Validate(TurnOptions o)
    {
        var errors = new List<string>();
        CheckAddresses(o, errors);
        CheckPorts(o, errors);
        CheckAuth(o, errors);
        CheckLimits(o, errors);
        CheckTls(o, errors);
        foreach (string rule in o.AllowedPeerIps.Concat(o.DeniedPeerIps))
        {
            if (!PeerAddressRange.TryParse(rule, out _))
            {
                errors.Add($"peer rule '{rule}' is not an address, CIDR (a.b.c.d/n) or range (a-b)");
            }
        }
        return errors;
    }

    private static void CheckAddresses(TurnOptions o, List<string> errors)
    {
        foreach (string ip in o.ListeningIps.Concat(o.RelayIps))
        {
            if (!IPAddress.TryParse(ip, out _))
            {
                errors.Add($"'{ip}' is not an IP address (listening-ip / relay-ip)");
            }
        }
        if (o.RelayIps.Count == 0 && o.ListeningIps.Any(ip => IPAddress.TryParse(ip, out IPAddress? a)
                && (a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any))))
        {
            errors.Add("relay-ip is required when listening on a wildcard address (0.0.0.0 or ::)");
        }
        foreach (string ip in o.RelayIps)
        {
            if (IPAddress.TryParse(ip, out IPAddress? a) && (a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any)))
            {
                errors.Add($"relay-ip '{ip}' must be a concrete address, not a wildcard");
            }
        }
        foreach (string ext in o.ExternalIps)
        {
            if (!ExternalAddressMap.TryParse(ext, out _, out _))
            {
                errors.Add($"external-ip '{ext}' must be PUBLIC or PUBLIC/PRIVATE addresses of one family");
            }
        }
    }

    private static void CheckPorts(TurnOptions o, List<string> errors)
    {
        if (o.ListeningPort is < 0 or > 65535)
        {
            errors.Add($"listening-port {o.ListeningPort} is outside 0-65535");
        }
        if (o.TlsListeningPort is < 0 or > 65535)
        {
            errors.Add($"tls-listening-port {o.TlsListeningPort} is outside 0-65535");
        }
        if (o.MinPort is < 1 or > 65535 || o.MaxPort is < 1 or > 65535 || o.MinPort > o.MaxPort)
        {
            errors.Add($"relay port range min-port {o.MinPort} .. max-port {o.MaxPort} is not a valid range within 1-65535");
        }
        if (!o.EnableUdp && !o.EnableTcp && !TlsConfigured(o))
        {
            errors.Add("no transport is enabled (UDP, TCP and TLS are all off)");
        }
    }

    private static void CheckAuth(TurnOptions o, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(o.Realm) || o.Realm.Length > 127)
        {
            errors.Add("realm must be 1-127 characters (RFC 8489 §14.9)");
        }
        if (o.Users.Count == 0 && string.IsNullOrEmpty(o.StaticAuthSecret))
        {
            errors.Add("no credentials: set at least one user (user=name:password) or static-auth-secret; anonymous TURN is not supported");
        }
        foreach ((string name, string password) in o.Users)
        {
            if (string.IsNullOrEmpty(name) || name.Length > 512 || string.IsNullOrEmpty(password))
            {
                errors.Add($"user '{name}' needs a name of 1-512 characters and a non-empty password");
            }
        }
    }

    private static void CheckLimits(TurnOptions o, List<string> errors)
    {
        if (o.UserQuota < 0 || o.TotalQuota < 0 || o.MaxBytesPerSecond < 0 || o.ChallengesPerSecondPerIp < 0 || o.MaxStreamConnections < 0)
        {
            errors.Add("user-quota, total-quota, max-bps, the challenge rate and the stream connection limit must not be negative");
        }
        if (o.StreamSendQueueBytes is < 4096 or > 64 * 1024 * 1024)
        {
            errors.Add($"StreamSendQueueBytes ({o.StreamSendQueueBytes}) must be 4 KiB-64 MiB");
        }
        if (o.MaxLifetimeSeconds < 60 || o.DefaultLifetimeSeconds < 60 || o.DefaultLifetimeSeconds > o.MaxLifetimeSeconds)
        {
            errors.Add($"lifetimes: need 60 <= default ({o.DefaultLifetimeSeconds}) <= max ({o.MaxLifetimeSeconds}) seconds");
        }
        if (!o.EnableTcpRelay && !o.EnableUdpRelay)
        {
            errors.Add("no-tcp-relay and no-udp-relay together leave no allocation to make");
        }
        if (o.MaxTcpConnectionsPerAllocation is < 1 or > 10000)
        {
            errors.Add($"MaxTcpConnectionsPerAllocation {o.MaxTcpConnectionsPerAllocation} must be 1-10000");
        }
        if (o.NonceLifetimeSeconds is < 30 or > 86400)
        {
            errors.Add($"stale-nonce {o.NonceLifetimeSeconds} must be 30-86400 seconds");
        }
    }

    private static void CheckTls(TurnOptions o, List<string> errors)
    {
        bool cert = !string.IsNullOrEmpty(o.CertificateFile);
        bool key = !string.IsNullOrEmpty(o.PrivateKeyFile);
        if (o.EnableTls && cert != key)
        {
            errors.Add("TLS needs both cert and pkey");
        }
        if (o.EnableTls && cert && !File.Exists(o.CertificateFile))
        {
            errors.Add($"cert file '{o.CertificateFile}' does not exist");
        }
        if (o.EnableTls && key && !File.Exists(o.PrivateKeyFile))
        {
            errors.Add($"pkey file '{o.PrivateKeyFile}' does not exist");
        }
    }

    internal static bool TlsConfigured(TurnOptions o) =>
        o.EnableTls && !string.IsNullOrEmpty(o.CertificateFile) && !string.IsNullOrEmpty(o.PrivateKeyFile);
}
