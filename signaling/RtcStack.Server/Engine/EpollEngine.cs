using System.Net;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Hub;

namespace RtcStack.Server.Engine;

/// <summary>
/// The epoll WebSocket engine for <c>/ws</c> (<c>Server:SignalingEngine=epoll</c>, Linux x86-64): <see cref="EpollListener"/>s
/// accept sockets and hand them here; <see cref="Threads"/> loops (<see cref="EpollLoop"/>) read the handshakes and run
/// the sessions (<see cref="EpollWebSocket"/>) into <see cref="SignalingHub.HandleAsync"/>. Settings: <c>Server:EpollThreads</c>
/// (default 1), <c>Server:EpollCoalesceMicroseconds</c> and <c>Server:EpollCoalesceMinEventsPerSecond</c> (wake-up
/// coalescing, <see cref="WakeCoalescer"/>),
/// <c>Server:EpollInlineRelay</c> (default true; only effective with the in-memory backplane), <c>Server:EpollSendRing</c>
/// (default true: a batch's sends in one io_uring submission, <see cref="Engine.SendRing"/>).
/// </summary>
internal sealed partial class EpollEngine : IDisposable
{
    private readonly Lock _sync = new();
    private readonly KestrelServerLimits _limits;
    private readonly IOptions<SignalingOptions> _options;
    private EpollLoop[]? _loops;
    private int _next;
    private bool _disposed;

    public EpollEngine(SignalingHub hub, IBackplane backplane, IOptions<SignalingOptions> options, IOptions<KestrelServerOptions> kestrel,
        IServiceProvider services, IConfiguration configuration, ILogger<EpollEngine> logger)
    {
        Hub = hub;
        _options = options;
        _limits = kestrel.Value.Limits;
        Logger = logger;
        AdmissionLogger = services.GetRequiredService<ILogger<SignalingHub>>();
        IList<string>? hosts = services.GetService<IOptions<HostFilteringOptions>>()?.Value.AllowedHosts;
        HostFiltering = hosts is { Count: > 0 } && !hosts.Contains("*");
        Threads = Math.Clamp(configuration.GetValue("Server:EpollThreads", 1), 1, Environment.ProcessorCount * 4);
        CoalesceMicroseconds = Math.Clamp(configuration.GetValue("Server:EpollCoalesceMicroseconds", DefaultCoalesceMicroseconds), 0, 10_000);
        CoalesceMinEventsPerSecond = Math.Max(0, configuration.GetValue("Server:EpollCoalesceMinEventsPerSecond", DefaultCoalesceMinEventsPerSecond));
        SendRing = configuration.GetValue("Server:EpollSendRing", true);
        InlineRelay = backplane.DeliversByReference && configuration.GetValue("Server:EpollInlineRelay", true);
        MaxMessageBytes = options.Value.MaxFrameBytes;
        ReceiveHighWater = (2 * (MaxMessageBytes + 1)) + (16 * 1024);
        Metrics = new EpollEngineMetrics(this);
    }

    /// <summary>True where the engine can run (Linux x86-64).</summary>
    public static bool IsSupported => EpollNative.IsSupported;

    public SignalingHub Hub { get; }

    public EpollEngineMetrics Metrics { get; }

    public ILogger Logger { get; }

    /// <summary>The category the Kestrel path logs refused origins under (<see cref="SignalingHub"/>), for the same logs.</summary>
    public ILogger AdmissionLogger { get; }

    public bool HostFiltering { get; }

    public IList<string> AllowedOrigins => _options.Value.AllowedOrigins;

    public int Threads { get; }

    /// <summary>
    /// Default of <c>Server:EpollCoalesceMicroseconds</c>: off. On a quiet box coalescing at 250 µs saved no CPU per
    /// relayed message (on/off 0.91-1.13, median 1.05, six reps) and added ~0.2 ms to p50 (bench/signaling/README.md,
    /// 2026-11-26 15:05); an operator may still turn it on.
    /// </summary>
    public const int DefaultCoalesceMicroseconds = 0;

    /// <summary>Default of <c>Server:EpollCoalesceMinEventsPerSecond</c>.</summary>
    public const int DefaultCoalesceMinEventsPerSecond = 4000;

    /// <summary>
    /// Whether each engine thread sends a batch's frames in one io_uring submission (<c>Server:EpollSendRing</c>, default
    /// true; where io_uring is not available the thread logs it once and uses send()).
    /// </summary>
    public bool SendRing { get; }

    /// <summary>Wake-up coalescing interval (0 = off, at most 10 ms).</summary>
    public int CoalesceMicroseconds { get; }

    /// <summary>Socket events per second (per engine thread) from which a loop coalesces wake-ups; 0 = always.</summary>
    public int CoalesceMinEventsPerSecond { get; }

    /// <summary>Relay frames are completed on the engine thread (the backplane delivers by reference, so nothing there blocks).</summary>
    public bool InlineRelay { get; }

    /// <summary>The hub's frame limit; longer messages are kept to this plus one byte and refused by the hub.</summary>
    public int MaxMessageBytes { get; }

    /// <summary>Unsent bytes past which a send waits for the kernel (the hub's queue fills behind it: slow consumer, 4005).</summary>
    public int SendHighWater => 256 * 1024;

    /// <summary>Received bytes the hub has not read past which the engine stops reading the socket.</summary>
    public int ReceiveHighWater { get; }

    public int MaxHeadBytes => _limits.MaxRequestLineSize + _limits.MaxRequestHeadersTotalSize;

    public TimeSpan FirstByteTimeout => _limits.KeepAliveTimeout;

    public TimeSpan HeadTimeout => _limits.RequestHeadersTimeout;

    /// <summary>Sockets the engine holds (handshaking or open), all loops.</summary>
    public int Count => _loops?.Sum(l => l.Count) ?? 0;

    /// <summary>Hands an accepted socket to a loop (round robin).</summary>
    public void Adopt(System.Net.Sockets.Socket socket, EpollListener listener)
    {
        EpollLoop[] loops = Loops();
        EpollLoop loop = loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
        loop.Adopt(socket, listener);
    }

    /// <summary>Runs an upgraded session in the hub, from the thread pool (hello, token checks and the backplane may block).</summary>
    public void Run(EpollWebSocket socket, IPAddress? remote) =>
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Engine.RunAsync(s.Socket, s.Remote), (Engine: this, Socket: socket, Remote: remote), preferLocal: false);

    public void Dispose()
    {
        EpollLoop[]? loops;
        lock (_sync)
        {
            _disposed = true;
            loops = _loops;
        }
        Metrics.Remove();
        foreach (EpollLoop loop in loops ?? [])
        {
            loop.Dispose();
        }
    }

    private async Task RunAsync(EpollWebSocket socket, IPAddress? remote)
    {
        try
        {
            await Hub.HandleAsync(socket, remote, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            socket.Dispose(); // the hub refused it (per-IP limit) or is done with it
        }
    }

    private EpollLoop[] Loops()
    {
        if (Volatile.Read(ref _loops) is { } loops)
        {
            return loops; // published only complete (below); Dispose stops the loops, whose Adopt then closes the socket
        }
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_loops is null)
            {
                var built = new EpollLoop[Threads];
                try
                {
                    for (int i = 0; i < Threads; i++)
                    {
                        built[i] = new EpollLoop(this, i);
                    }
                }
                catch
                {
                    foreach (EpollLoop? loop in built)
                    {
                        loop?.Dispose();
                    }
                    throw;
                }
                Volatile.Write(ref _loops, built);
                Started(Logger, Threads, CoalesceMicroseconds, CoalesceMinEventsPerSecond, InlineRelay);
            }
            return _loops;
        }
    }

    [LoggerMessage(1020, LogLevel.Information, "Signaling engine: epoll, {Threads} thread(s), wake-up coalescing {CoalesceMicroseconds} µs from {CoalesceMinEventsPerSecond} events/s, relay inline {InlineRelay}")]
    private static partial void Started(ILogger logger, int threads, int coalesceMicroseconds, int coalesceMinEventsPerSecond, bool inlineRelay);
}
