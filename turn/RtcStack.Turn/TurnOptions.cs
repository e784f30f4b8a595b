namespace RtcStack.Turn;

/// <summary>
/// Every setting of the TURN server, bound from the configuration section <c>"Turn"</c>
/// (appsettings.json, environment <c>Turn__Realm</c>, command line) or filled by <c>rtcstack-turn</c>
/// from coturn option names. Defaults are safe: loopback only, authentication required,
/// private and special-purpose peers denied. <see cref="Validate"/> runs when the server starts.
/// </summary>
public sealed class TurnOptions
{
    /// <summary>The configuration section read by the hosts: <c>"Turn"</c>.</summary>
    public const string SectionName = "Turn";

    /// <summary>Whether the host starts the TURN server at all. Default <c>true</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Addresses the UDP, TCP and TLS listeners bind (coturn <c>listening-ip</c>).
    /// Empty means <c>127.0.0.1</c>. <c>0.0.0.0</c> / <c>::</c> bind every interface.</summary>
    public List<string> ListeningIps { get; set; } = [];

    /// <summary>UDP and TCP listening port (coturn <c>listening-port</c>). Default 3478; 0 picks a free port.</summary>
    public int ListeningPort { get; set; } = 3478;

    /// <summary>TLS (<c>turns:</c>) listening port (coturn <c>tls-listening-port</c>). Default 5349; 0 picks a free port.</summary>
    public int TlsListeningPort { get; set; } = 5349;

    /// <summary>Serve STUN/TURN over UDP. Default <c>true</c> (coturn <c>no-udp</c> turns it off).</summary>
    public bool EnableUdp { get; set; } = true;

    /// <summary>Serve STUN/TURN over TCP. Default <c>true</c> (coturn <c>no-tcp</c> turns it off).</summary>
    public bool EnableTcp { get; set; } = true;

    /// <summary>Serve TURN over TLS when <see cref="CertificateFile"/> and <see cref="PrivateKeyFile"/> are set.
    /// Default <c>true</c> (coturn <c>no-tls</c> turns it off).</summary>
    public bool EnableTls { get; set; } = true;

    /// <summary>PEM certificate (chain) for TLS (coturn <c>cert</c>); reloaded when the file changes. Default none.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key for TLS (coturn <c>pkey</c>); reloaded when the file changes. Default none.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>Addresses relay sockets bind (coturn <c>relay-ip</c>), at most one per address family.
    /// Empty means the first listening address of each family (which must then not be a wildcard).</summary>
    public List<string> RelayIps { get; set; } = [];

    /// <summary>Advertised relayed address for a server behind 1:1 NAT (coturn <c>external-ip</c>):
    /// <c>PUBLIC</c> or <c>PUBLIC/PRIVATE</c>. The client sees PUBLIC in XOR-RELAYED-ADDRESS. Repeatable, one per family. Default none.</summary>
    public List<string> ExternalIps { get; set; } = [];

    /// <summary>Lowest relay port (coturn <c>min-port</c>). Default 49152.</summary>
    public int MinPort { get; set; } = 49152;

    /// <summary>Highest relay port (coturn <c>max-port</c>). Default 65535.</summary>
    public int MaxPort { get; set; } = 65535;

    /// <summary>Realm of the long-term credential mechanism (coturn <c>realm</c>). Default <c>"rtcstack"</c>.</summary>
    public string Realm { get; set; } = "rtcstack";

    /// <summary>Static long-term users, name to password (coturn <c>user=name:password</c>). Default none.</summary>
    public Dictionary<string, string> Users { get; set; } = new(StringComparer.Ordinal);

    /// <summary>TURN REST API shared secret (coturn <c>static-auth-secret</c> with <c>use-auth-secret</c>):
    /// username <c>expiry:user</c>, password base64(HMAC-SHA1(secret, username)). Default none.
    /// In RtcStack.Server it is read from <c>Turn:StaticAuthSecret</c>.</summary>
    public string? StaticAuthSecret { get; set; }

    /// <summary>Peer ranges opened despite the default deny list (coturn <c>allowed-peer-ip</c>):
    /// an address, a CIDR <c>10.0.0.0/8</c> or a range <c>10.0.0.1-10.0.0.9</c>. Default none.</summary>
    public List<string> AllowedPeerIps { get; set; } = [];

    /// <summary>Extra peer ranges to deny (coturn <c>denied-peer-ip</c>), same syntax. Default none.</summary>
    public List<string> DeniedPeerIps { get; set; } = [];

    /// <summary>Maximum simultaneous allocations of one user (coturn <c>user-quota</c>); 0 = no limit. Default 128.</summary>
    public int UserQuota { get; set; } = 128;

    /// <summary>Maximum simultaneous allocations in total (coturn <c>total-quota</c>); 0 = no limit. Default 10000.</summary>
    public int TotalQuota { get; set; } = 10000;

    /// <summary>
    /// Most TCP and TLS client connections open at once, over all listeners; more wait in the listen backlog (never
    /// accepted, so they hold no file descriptor). 0 (default): half of what the open-file soft limit leaves after
    /// 512 descriptors kept for the runtime, relay sockets' growth and logs, at least 64 — each client usually
    /// holds an allocation's relay socket as well. Running out of descriptors would make accept fail in a loop
    /// and can abort the .NET runtime, which needs descriptors to load code.
    /// </summary>
    public int MaxStreamConnections { get; set; }

    /// <summary>Per-allocation bandwidth cap in bytes per second, each direction counted separately
    /// (coturn <c>max-bps</c>, which despite its name is bytes per second); 0 = no cap. Default 0.</summary>
    public long MaxBytesPerSecond { get; set; }

    /// <summary>Allocation lifetime granted when the client asks for none, seconds. Default 600 (RFC 8656 §3.2).</summary>
    public int DefaultLifetimeSeconds { get; set; } = 600;

    /// <summary>Longest allocation lifetime granted, seconds (coturn <c>max-allocate-lifetime</c>). Default 3600.</summary>
    public int MaxLifetimeSeconds { get; set; } = 3600;

    /// <summary>How long a nonce stays valid before 438 Stale Nonce, seconds (coturn <c>stale-nonce</c>). Default 600.</summary>
    public int NonceLifetimeSeconds { get; set; } = 600;

    /// <summary>401 challenges answered per second to one source IP address (burst twice that);
    /// 0 = no limit. Bounds what a spoofed source can reflect. Default 200.</summary>
    public int ChallengesPerSecondPerIp { get; set; } = 200;

    /// <summary>Add FINGERPRINT to every response and indication (coturn <c>fingerprint</c>). Default <c>true</c>.</summary>
    public bool Fingerprint { get; set; } = true;

    /// <summary>SOFTWARE attribute sent in responses; null sends none (smaller responses). Default none.</summary>
    public string? Software { get; set; }

    /// <summary>Offer RFC 6062 TCP allocations (REQUESTED-TRANSPORT TCP over a TCP or TLS connection); off, they get 442.
    /// Default <c>true</c> (coturn <c>no-tcp-relay</c> turns it off).</summary>
    public bool EnableTcpRelay { get; set; } = true;

    /// <summary>Offer UDP allocations; off, they get 403 (RFC 6062 §5.1). Default <c>true</c> (coturn <c>no-udp-relay</c> turns it off).</summary>
    public bool EnableUdpRelay { get; set; } = true;

    /// <summary>Report ICMP errors from peers to clients (RFC 8656 §11.5: Data indication with the ICMP attribute). Linux x64
    /// only (relay sockets watched by epoll get IP_RECVERR). Off by default: with it, a send on a relay socket right after
    /// an ICMP error may fail once (the kernel reports the pending error there), i.e. one datagram is dropped. Default <c>false</c>.</summary>
    public bool ReportIcmp { get; set; }

    /// <summary>Most peer data connections (RFC 6062: made by Connect or accepted on the relayed address, pending
    /// or bound) one TCP allocation may hold at once; more Connects get 508, more inbound connections are closed.
    /// Bounds sockets per user. Default 64.</summary>
    public int MaxTcpConnectionsPerAllocation { get; set; } = 64;

    /// <summary>Bytes queued for one TCP or TLS client connection (responses and relayed data) beyond what its socket
    /// took. A client that reads slower than it is sent to never stalls the others: relayed frames that do not fit are
    /// dropped whole and counted (<c>relay.dropped</c>, reason <c>client_backlog</c>); responses get 64 KiB more, and
    /// past the limit the connection's requests are not read until it drains. 4 KiB-64 MiB. Default 128 KiB.</summary>
    public int StreamSendQueueBytes { get; set; } = 128 * 1024;

    /// <summary>How long a Connect waits for the peer's TCP handshake before 447 (RFC 6062 §5.2: at least 30 s).
    /// Not configurable by operators; tests shorten it.</summary>
    internal TimeSpan TcpConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a peer data connection waits for its ConnectionBind before it is closed (RFC 6062 §5.2, §5.3: 30 s).
    /// Not configurable by operators; tests shorten it.</summary>
    internal TimeSpan TcpBindTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether TCP/TLS clients are read on the stream poller where it exists (tests: false runs the async fallback).</summary>
    internal bool UseStreamPoller { get; set; } = true;

    /// <summary>Tests: the poller for TCP/TLS clients instead of the process-wide one (a manual one is driven on the test thread).</summary>
    internal Transport.StreamPoller? StreamPoller { get; set; }

    /// <summary>Checks every setting and returns the problems found (empty when the options are usable).</summary>
    public IReadOnlyList<string> Validate() => TurnOptionsValidator.Validate(this);
}
