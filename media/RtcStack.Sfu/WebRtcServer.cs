using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Dtls;
using RtcStack.Ice;
using RtcStack.Sdp;

namespace RtcStack.Sfu;

/// <summary>
/// The media side of one process: the shared ICE-lite UDP port and the DTLS certificate. Creates
/// <see cref="WebRtcTransport"/>s. Close cascade: disposing the server stops the port; transports created
/// from it must be disposed by their owners first (routers do that).
/// </summary>
public sealed class WebRtcServer : IAsyncDisposable
{
    private readonly IceLiteServer _ice;
    private readonly ILoggerFactory _loggerFactory;

    private WebRtcServer(IceLiteServer ice, MediaOptions options, ILoggerFactory loggerFactory)
    {
        _ice = ice;
        Options = options;
        _loggerFactory = loggerFactory;
        Certificate = DtlsCertificate.Generate();
        var announced = options.AnnouncedIp ?? options.ListenIp;
        HostCandidate = new CandidateAttribute("1", 1, "udp", 2130706431, announced, ice.LocalEndPoint.Port, "host");
        // RFC 6544 §4.2: a passive TCP host candidate, preferred below UDP.
        TcpCandidate = ice.TcpLocalEndPoint is { } tcp
            ? new CandidateAttribute("2", 1, "tcp", 1518280447, announced, tcp.Port, "host", "passive")
            : null;
    }

    /// <summary>The options in force.</summary>
    public MediaOptions Options { get; }

    /// <summary>
    /// Test hook: awaited after a transport's DTLS handshake succeeded and before its SRTP keys are installed,
    /// so tests can hold the key install back deterministically. Null (the default) in production.
    /// </summary>
    internal Func<WebRtcTransport, Task>? BeforeKeysInstalled { get; set; }

    /// <summary>The bound media port.</summary>
    public IPEndPoint LocalEndPoint => _ice.LocalEndPoint;

    /// <summary>Our DTLS certificate (one per process; its fingerprint goes into every answer).</summary>
    public DtlsCertificate Certificate { get; }

    /// <summary>Our fingerprint as an SDP attribute value.</summary>
    public FingerprintAttribute Fingerprint => new("sha-256", Certificate.Sha256Fingerprint);

    /// <summary>The host candidate for the shared port (RFC 8445 §5.1.2 priority for a host candidate).</summary>
    public CandidateAttribute HostCandidate { get; }

    /// <summary>The ICE-TCP passive candidate, or null when <see cref="MediaOptions.IceTcp"/> is off.</summary>
    public CandidateAttribute? TcpCandidate { get; }

    /// <summary>Our candidates under a policy (for the answer).</summary>
    public IReadOnlyList<CandidateAttribute> Candidates(IceCandidatePolicy policy) => policy switch
    {
        IceCandidatePolicy.UdpOnly => [HostCandidate],
        IceCandidatePolicy.TcpOnly => TcpCandidate is { } t ? [t] : [],
        _ => TcpCandidate is { } t ? [HostCandidate, t] : [HostCandidate],
    };

    /// <summary>Validates the options, binds the port and starts the receive loop.</summary>
    public static WebRtcServer Start(MediaOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        var ice = IceLiteServer.Start(new IPEndPoint(IPAddress.Parse(options.ListenIp), options.Port),
            new IceServerOptions
            {
                EnableTcp = options.IceTcp,
                TcpPort = options.TcpPort,
                TcpSendQueueSize = options.IceTcpSendQueueSize,
                TcpSendStallTimeout = options.IceTcpSendStallTimeout,
            },
            loggerFactory.CreateLogger<IceLiteServer>());
        return new WebRtcServer(ice, options, loggerFactory);
    }

    /// <summary>Creates a transport with fresh ICE credentials.</summary>
    public WebRtcTransport CreateTransport() => new(this, _ice.CreateTransport(), _loggerFactory);

    /// <summary>Stops the media port.</summary>
    public ValueTask DisposeAsync() => _ice.DisposeAsync();
}
