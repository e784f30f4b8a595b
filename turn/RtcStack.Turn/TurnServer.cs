using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Auth;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Handlers;
using RtcStack.Turn.Policy;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn;

/// <summary>
/// The STUN/TURN server (RFC 8489, RFC 8656, RFC 6156): listeners on UDP, TCP and TLS, allocations with
/// relay sockets from a port range, long-term and TURN REST credentials, the peer-address policy.
/// Hosts create one with <see cref="TurnOptions"/>, call <see cref="StartAsync"/>, and dispose it (or
/// <see cref="StopAsync"/>) on shutdown. Used by RtcStack.Server and by <c>rtcstack-turn</c>.
/// </summary>
public sealed class TurnServer : IAsyncDisposable
{
    private readonly TurnOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMeterFactory? _meterFactory;
    private readonly List<UdpListener> _udp = [];
    private readonly List<StreamListener> _streams = [];
    private readonly Lock _lock = new();
    private TurnState? _state;
    private TransactionCache? _cache;
    private ITimer? _sweepTimer;
    private CertificateSource? _certificates;
    private bool _started;
    private bool _stopped;

    /// <summary>Creates a server; nothing is bound until <see cref="StartAsync"/>.</summary>
    public TurnServer(TurnOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<TurnServer>();
        _time = timeProvider ?? TimeProvider.System;
        _meterFactory = meterFactory;
    }

    /// <summary>The bound UDP listening addresses (actual ports when 0 was configured).</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints => [.. _udp.Select(l => l.LocalEndPoint)];

    /// <summary>The bound TCP listening addresses.</summary>
    public IReadOnlyList<IPEndPoint> TcpEndPoints => [.. _streams.Where(s => !s.IsTls).Select(s => s.LocalEndPoint)];

    /// <summary>The bound TLS listening addresses.</summary>
    public IReadOnlyList<IPEndPoint> TlsEndPoints => [.. _streams.Where(s => s.IsTls).Select(s => s.LocalEndPoint)];

    /// <summary>Allocations alive now.</summary>
    public int ActiveAllocations => _state?.Allocations.Count ?? 0;

    internal TurnState? State => _state;

    internal TurnMessageProcessor? Processor { get; private set; }

    /// <summary>Validates the options, binds every listener and starts serving.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid (the message lists every problem) or the server was started already.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid TURN options: " + string.Join("; ", errors));
        }
        lock (_lock)
        {
            if (_started)
            {
                throw new InvalidOperationException("The TURN server was started already.");
            }
            _started = true;
        }
        try
        {
            BindListeners();
            _state = BuildState(out _cache);
            var processor = new TurnMessageProcessor(_state, _cache);
            Processor = processor;
            foreach (UdpListener l in _udp)
            {
                l.Start(processor);
                TurnLog.ListenerStarted(_logger, Stun.TransportProtocol.Udp, l.LocalEndPoint);
            }
            foreach (StreamListener s in _streams)
            {
                s.Start(processor);
                TurnLog.ListenerStarted(_logger, s.IsTls ? Stun.TransportProtocol.Tls : Stun.TransportProtocol.Tcp, s.LocalEndPoint);
            }
            _sweepTimer = _time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            TurnLog.ServerStarted(_logger, _options.Realm, _options.MinPort, _options.MaxPort);
        }
        catch
        {
            StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            throw;
        }
        return Task.CompletedTask;
    }

    /// <summary>Stops listening and closes every allocation.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
        }
        if (_sweepTimer is not null)
        {
            await _sweepTimer.DisposeAsync().ConfigureAwait(false);
            _sweepTimer = null;
        }
        foreach (UdpListener l in _udp)
        {
            await l.DisposeAsync().ConfigureAwait(false);
        }
        foreach (StreamListener s in _streams)
        {
            await s.DisposeAsync().ConfigureAwait(false);
        }
        _certificates?.Dispose();
        if (_state is { } state)
        {
            foreach (Allocation a in state.Allocations.All.ToList())
            {
                if (state.Allocations.Remove(a))
                {
                    await state.CloseAsync(a, "server stopped").ConfigureAwait(false);
                }
            }
            state.Reservations.Clear();
            state.Poller?.Dispose();
            state.Metrics.Dispose();
            TurnLog.ServerStopped(_logger);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private List<IPAddress> ListeningAddresses() =>
        _options.ListeningIps.Count == 0 ? [IPAddress.Loopback] : [.. _options.ListeningIps.Select(IPAddress.Parse)];

    private void BindListeners()
    {
        ILogger logger = _loggerFactory.CreateLogger("RtcStack.Turn.Transport");
        int limit = StreamConnectionLimit(_options.MaxStreamConnections, RtcStack.Net.FileDescriptorLimit.Soft());
        var slots = new RtcStack.Net.ConnectionSlots(limit, times => TurnLog.StreamConnectionsAtLimit(logger, limit, times));
        foreach (IPAddress address in ListeningAddresses())
        {
            if (_options.EnableUdp)
            {
                _udp.Add(new UdpListener(new IPEndPoint(address, _options.ListeningPort), logger));
            }
            if (_options.EnableTcp)
            {
                _streams.Add(new StreamListener(new IPEndPoint(address, _options.ListeningPort), null, slots, logger));
            }
            if (TurnOptionsValidator.TlsConfigured(_options))
            {
                _certificates ??= new CertificateSource(_options.CertificateFile!, _options.PrivateKeyFile!, logger);
                _streams.Add(new StreamListener(new IPEndPoint(address, _options.TlsListeningPort), _certificates, slots, logger));
            }
        }
    }

    /// <summary>
    /// <see cref="TurnOptions.MaxStreamConnections"/>, or when it is 0 half of what the open-file soft limit leaves
    /// after 512 descriptors for the runtime and logs (a client usually holds an allocation's relay socket too), at
    /// least 64; 20,000 when the limit is unknown.
    /// </summary>
    private static int StreamConnectionLimit(int configured, long? softLimit) =>
        configured > 0 ? configured
        : softLimit is long soft ? (int)Math.Clamp((soft - 512) / 2, 64, 1_000_000)
        : 20_000;

    private TurnState BuildState(out TransactionCache cache)
    {
        ILogger logger = _loggerFactory.CreateLogger("RtcStack.Turn");
        var table = new AllocationTable(_options.UserQuota, _options.TotalQuota);
        var metrics = new TurnMetrics(_meterFactory, () => Gauges(table));
        // RFC 8489 §9.2.1 security features: password algorithms always; username anonymity (USERHASH) only when every
        // user is static, since a TURN REST name cannot be recovered from its hash.
        int features = NonceService.PasswordAlgorithmsFeature
            | (string.IsNullOrEmpty(_options.StaticAuthSecret) ? NonceService.UsernameAnonymityFeature : 0);
        var nonces = new NonceService(_time, _options.NonceLifetimeSeconds, features);
        cache = new TransactionCache(_time);
        var responder = new Responder(_options, nonces, new ChallengeRateLimiter(_time, _options.ChallengesPerSecondPerIp), cache);
        List<IPAddress> relayIps = _options.RelayIps.Count > 0 ? [.. _options.RelayIps.Select(IPAddress.Parse)] : ListeningAddresses();
        IPAddress? v4 = relayIps.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        IPAddress? v6 = relayIps.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        return new TurnState
        {
            Options = _options,
            Time = _time,
            Allocations = table,
            Policy = BuildPolicy(relayIps),
            Responder = responder,
            Authenticator = new Authenticator(_options, nonces, responder, _time, metrics, logger),
            Metrics = metrics,
            Logger = logger,
            RelayV4 = v4 is null ? null : new RelayPortPool(v4, _options.MinPort, _options.MaxPort),
            RelayV6 = v6 is null ? null : new RelayPortPool(v6, _options.MinPort, _options.MaxPort),
            External = new ExternalAddressMap(_options.ExternalIps),
            PeerRelay = new PeerDataRelay(_time, metrics, _options.Fingerprint),
            Poller = RelayPoller.TryCreate(logger),
        };
    }

    private PeerAddressPolicy BuildPolicy(List<IPAddress> relayIps)
    {
        List<IPEndPoint> listeners = [.. _udp.Select(l => l.LocalEndPoint), .. _streams.Select(s => s.LocalEndPoint)];
        List<IPAddress> own = [.. relayIps, .. listeners.Select(l => l.Address)];
        own.AddRange(_options.ExternalIps.Select(e => ExternalAddressMap.TryParse(e, out IPAddress? pub, out _) ? pub : null).OfType<IPAddress>());
        if (own.Any(a => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any)))
        {
            List<IPAddress> local = OwnInterfaceAddresses.All();
            own.AddRange(local);
            listeners = [.. listeners.SelectMany(l => l.Address.Equals(IPAddress.Any) || l.Address.Equals(IPAddress.IPv6Any)
                ? local.Where(a => a.AddressFamily == l.AddressFamily).Select(a => new IPEndPoint(a, l.Port))
                : [l])];
        }
        return new PeerAddressPolicy(
            _options.AllowedPeerIps.Select(r => PeerAddressRange.TryParse(r, out PeerAddressRange x) ? x : default),
            _options.DeniedPeerIps.Select(r => PeerAddressRange.TryParse(r, out PeerAddressRange x) ? x : default),
            own,
            listeners);
    }

    private static (int, int, int) Gauges(AllocationTable table)
    {
        int allocations = 0, permissions = 0, channels = 0;
        foreach (Allocation a in table.All)
        {
            allocations++;
            permissions += a.PermissionCount;
            channels += a.ChannelCount;
        }
        return (allocations, permissions, channels);
    }

    private void Sweep()
    {
        if (_state is not { } state)
        {
            return;
        }
        foreach (Allocation expired in state.Allocations.Sweep(_time.GetTimestamp(), state.Ticks(ChannelBinding.CooldownSeconds)))
        {
            _ = state.CloseAsync(expired, "expired").AsTask();
        }
        state.Reservations.Sweep(_time.GetTimestamp());
        _cache?.Sweep();
    }
}
