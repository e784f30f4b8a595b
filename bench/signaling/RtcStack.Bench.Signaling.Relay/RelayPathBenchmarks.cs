using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Logging.Abstractions;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tokens;

namespace RtcStack.Bench.Signaling.Relay;

/// <summary>
/// The hub's managed relay path on the in-memory backplane, without sockets: what the receive loop does with one
/// client frame (<c>CommandDispatcher.TryRelayRaw</c>: scan, check membership, stamp, replay buffer, send queue into
/// a socket whose sends complete at once), and the frame readers alone for comparison.
/// The frame is the load tool's (<c>rtcstack-signaling-load --pairs</c>): a directed <c>message</c>, no id.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class RelayPathBenchmarks
{
    private readonly byte[] _frame = """{"type":"message","room":"room-17","to":"peer-b-17","data":{"lt":[1,1764146400123456],"p":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}"""u8.ToArray();
    private SignalingHub _hub = null!;
    private SignalingConnection _sender = null!;
    private SinkWebSocket _recipient = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new SignalingOptions { TokenSecret = "bench-secret-bench-secret-bench-secret!", ResumeBufferMessages = 1000 };
        var backplane = new InMemoryBackplane("bench");
        var tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        _hub = new SignalingHub(Microsoft.Extensions.Options.Options.Create(options), backplane, tokens, TimeProvider.System, NullLoggerFactory.Instance, null);
        _hub.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _sender = Join(backplane, "peer-a-17", new SinkWebSocket());
        _recipient = new SinkWebSocket();
        Join(backplane, "peer-b-17", _recipient);
    }

    private SignalingConnection Join(InMemoryBackplane backplane, string peer, SinkWebSocket socket)
    {
        var claims = new PeerClaims(peer, ["*"], Permissions.Publish | Permissions.Subscribe, DateTimeOffset.MaxValue);
        var session = new Session(new PeerId(peer), "s-" + peer, claims, _hub.Options.ResumeBufferMessages, _hub.Options.ResumeBufferBytes);
        session.SetRoom("room-17", null);
        _hub.Sessions[peer] = session;
        backplane.SubscribePeerAsync(session.Peer, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        backplane.AddMemberAsync(new RoomId("room-17"), new RoomMember(peer, null), 10, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var connection = new SignalingConnection("c-" + peer, socket, IPAddress.Loopback, 0, int.MaxValue) { Session = session };
        session.Attach(connection, "{\"type\":\"welcome\"}"u8.ToArray(), 0, resuming: false);
        return connection;
    }

    [GlobalCleanup]
    public void Cleanup() => _hub.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One directed relay through the hub (the task is complete on return with the in-memory backplane).</summary>
    [Benchmark(Baseline = true)]
    public Task? RelayDirected() => _hub.Commands.TryRelayRaw(_sender, _frame);

    /// <summary>The hand-written relay frame scanner alone (UTF-8 check and one pass; what the relay uses first).</summary>
    [Benchmark]
    public RelayReadResult ScanFrame() => RelayFrameScanner.TryScan(_frame, out _);

    /// <summary>The relay frame reader alone (UTF-8 check and one <c>Utf8JsonReader</c> pass; the scanner's fallback).</summary>
    [Benchmark]
    public RelayReadResult ReadFrame() => RelayFrameCodec.TryRead(_frame, out _);

    /// <summary>The UTF-8 check alone (part of <see cref="ReadFrame"/>).</summary>
    [Benchmark]
    public bool Utf8Check() => System.Text.Unicode.Utf8.IsValid(_frame);

    /// <summary>A bare <c>Utf8JsonReader</c> pass over every token (the floor of <see cref="ReadFrame"/>'s approach).</summary>
    [Benchmark]
    public int ReaderPass()
    {
        var reader = new System.Text.Json.Utf8JsonReader(_frame);
        int tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }
        return tokens;
    }

    /// <summary>Recipient sends so far (keeps the sink observable).</summary>
    public long Sent => _recipient.Sent;

    private sealed class InProcessConfig : BenchmarkDotNet.Configs.ManualConfig
    {
        public InProcessConfig() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(8));
    }
}
