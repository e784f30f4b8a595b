namespace RtcStack.Turn.Server;

/// <summary>The coturn options rtcstack-turn understands and what each does (see docs/turn.md for the table).</summary>
internal static class CoturnOptionTable
{
    private enum Kind
    {
        Flag,
        Value,
        OptionalValue,
        Repeatable,
    }

    private static readonly Dictionary<string, (Kind Kind, Action<CoturnArguments, string?> Apply)> Table = new(StringComparer.Ordinal)
    {
        ["listening-ip"] = (Kind.Repeatable, (a, v) => a.Options.ListeningIps.Add(v!)),
        ["listening-port"] = (Kind.Value, (a, v) => a.Options.ListeningPort = CoturnArguments.Int(v)),
        ["tls-listening-port"] = (Kind.Value, (a, v) => a.Options.TlsListeningPort = CoturnArguments.Int(v)),
        ["relay-ip"] = (Kind.Repeatable, (a, v) => a.Options.RelayIps.Add(v!)),
        ["external-ip"] = (Kind.Repeatable, (a, v) => a.Options.ExternalIps.Add(v!)),
        ["realm"] = (Kind.Value, (a, v) => a.Options.Realm = v!),
        ["user"] = (Kind.Repeatable, AddUser),
        ["lt-cred-mech"] = (Kind.Flag, (_, _) => { }),
        ["use-auth-secret"] = (Kind.Flag, (a, _) => a.UseAuthSecret()),
        ["static-auth-secret"] = (Kind.Value, (a, v) => a.Options.StaticAuthSecret = v),
        ["min-port"] = (Kind.Value, (a, v) => a.Options.MinPort = CoturnArguments.Int(v)),
        ["max-port"] = (Kind.Value, (a, v) => a.Options.MaxPort = CoturnArguments.Int(v)),
        ["allowed-peer-ip"] = (Kind.Repeatable, (a, v) => a.Options.AllowedPeerIps.Add(v!)),
        ["denied-peer-ip"] = (Kind.Repeatable, (a, v) => a.Options.DeniedPeerIps.Add(v!)),
        ["allow-loopback-peers"] = (Kind.Flag, (a, _) => a.Options.AllowedPeerIps.AddRange(["127.0.0.0/8", "::1"])),
        ["no-loopback-peers"] = (Kind.Flag, (_, _) => { }),
        ["no-multicast-peers"] = (Kind.Flag, (_, _) => { }),
        ["user-quota"] = (Kind.Value, (a, v) => a.Options.UserQuota = CoturnArguments.Int(v)),
        ["total-quota"] = (Kind.Value, (a, v) => a.Options.TotalQuota = CoturnArguments.Int(v)),
        ["max-bps"] = (Kind.Value, (a, v) => a.Options.MaxBytesPerSecond = long.Parse(v!, System.Globalization.CultureInfo.InvariantCulture)),
        ["max-allocate-lifetime"] = (Kind.Value, (a, v) => a.Options.MaxLifetimeSeconds = CoturnArguments.Int(v)),
        ["stale-nonce"] = (Kind.OptionalValue, (a, v) => a.Options.NonceLifetimeSeconds = string.IsNullOrEmpty(v) ? 600 : CoturnArguments.Int(v)),
        ["cert"] = (Kind.Value, (a, v) => a.Options.CertificateFile = v),
        ["pkey"] = (Kind.Value, (a, v) => a.Options.PrivateKeyFile = v),
        ["no-udp"] = (Kind.Flag, (a, _) => a.Options.EnableUdp = false),
        ["no-tcp"] = (Kind.Flag, (a, _) => a.Options.EnableTcp = false),
        ["no-tls"] = (Kind.Flag, (a, _) => a.Options.EnableTls = false),
        ["no-dtls"] = (Kind.Flag, (_, _) => { }),
        ["no-tcp-relay"] = (Kind.Flag, (a, _) => a.Options.EnableTcpRelay = false),
        ["no-udp-relay"] = (Kind.Flag, (a, _) => a.Options.EnableUdpRelay = false),
        ["report-icmp"] = (Kind.Flag, (a, _) => a.Options.ReportIcmp = true), // rtcstack-turn only
        ["max-tcp-connections"] = (Kind.Value, (a, v) => a.Options.MaxTcpConnectionsPerAllocation = CoturnArguments.Int(v)), // rtcstack-turn only
        ["stream-send-queue"] = (Kind.Value, (a, v) => a.Options.StreamSendQueueBytes = CoturnArguments.Int(v)), // rtcstack-turn only
        ["max-stream-connections"] = (Kind.Value, (a, v) => a.Options.MaxStreamConnections = CoturnArguments.Int(v)), // rtcstack-turn only
        ["fingerprint"] = (Kind.Flag, (a, _) => a.Options.Fingerprint = true),
        ["no-software-attribute"] = (Kind.Flag, (a, _) => a.Options.Software = null),
        ["no-cli"] = (Kind.Flag, (_, _) => { }),
        ["no-config-file"] = (Kind.Flag, (_, _) => { }),
        ["relay-threads"] = (Kind.Value, (_, v) => CoturnArguments.Int(v)),
        ["challenge-rate"] = (Kind.Value, (a, v) => a.Options.ChallengesPerSecondPerIp = CoturnArguments.Int(v)), // rtcstack-turn only
        ["prometheus"] = (Kind.Flag, (a, _) => a.Host.Prometheus = true),
        ["prometheus-port"] = (Kind.Value, (a, v) => a.Host.PrometheusPort = CoturnArguments.Int(v)),
        ["prometheus-address"] = (Kind.Value, (a, v) => a.Host.PrometheusAddress = v!),
        ["log-file"] = (Kind.Value, (a, v) => a.Host.LogFile = v),
        ["simple-log"] = (Kind.Flag, (_, _) => { }),
        ["no-stdout-log"] = (Kind.Flag, (a, _) => a.Host.NoStdoutLog = true),
        ["verbose"] = (Kind.Flag, (a, _) => a.Host.Verbose = true),
        ["pidfile"] = (Kind.Value, (a, v) => a.Host.PidFile = v),
    };

    internal static bool IsKnown(string name) => Table.ContainsKey(name);

    internal static bool TakesValue(string name) =>
        Table.TryGetValue(name, out var e) ? e.Kind != Kind.Flag : name == "c";

    internal static bool ValueOptional(string name) => Table.TryGetValue(name, out var e) && e.Kind == Kind.OptionalValue;

    internal static bool IsRepeatable(string name) => Table.TryGetValue(name, out var e) && e.Kind == Kind.Repeatable;

    internal static IEnumerable<string> Names => Table.Keys.Order(StringComparer.Ordinal);

    internal static void Apply(CoturnArguments args, string name, string? value) => Table[name].Apply(args, value);

    private static void AddUser(CoturnArguments args, string? value)
    {
        int colon = value!.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == value.Length - 1)
        {
            args.AddError($"user '{value}' must be name:password");
            return;
        }
        string password = value[(colon + 1)..];
        if (password.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            args.AddError($"user '{value[..colon]}': hex keys (0x...) are not supported; give the password");
            return;
        }
        args.Options.Users[value[..colon]] = password;
    }
}
