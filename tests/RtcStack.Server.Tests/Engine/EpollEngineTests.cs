using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server.Engine;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Server.Tests.Listener;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// The epoll engine's RFC 6455 server side over real sockets: masking, fragmentation, ping/pong, the close handshake
/// and its codes, UTF-8, abrupt closes, many sessions. (The handshake, protocol and two-node tests run against the
/// engine too: the <c>Epoll*</c> classes next to this one.)
/// </summary>
public sealed class EpollEngineTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(EngineSettings.Epoll);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public void The_node_runs_the_epoll_engine() =>
        Assert.NotNull(_node.Services.GetService<EpollEngine>());

    [Fact]
    public async Task An_unmasked_client_frame_is_closed_with_1002()
    {
        await using var raw = await UpgradedAsync();
        await raw.SendAsync(EngineFrames.Text("""{"type":"ping"}""", masked: false));
        (byte first, byte[] payload) = await raw.ReadFrameAsync();
        Assert.Equal(0x88, first);
        Assert.Equal(1002, EngineFrames.CloseCode(payload));
        Assert.True(await raw.ClosedByServerAsync());
    }

    [Fact]
    public async Task A_fragmented_hello_with_a_ping_between_fragments_gets_the_pong_then_the_welcome()
    {
        await using var raw = await UpgradedAsync();
        string hello = $$"""{"type":"hello","v":1,"token":"{{_node.Mint("alice")}}"}""";
        await raw.SendAsync(EngineFrames.Text(hello[..10], fin: false));
        await raw.SendAsync(EngineFrames.Frame(0x9, Encoding.ASCII.GetBytes("are you there")));
        await raw.SendAsync(EngineFrames.Frame(0x0, Encoding.UTF8.GetBytes(hello[10..40]), fin: false));
        await raw.SendAsync(EngineFrames.Frame(0x0, Encoding.UTF8.GetBytes(hello[40..])));
        (byte first, byte[] payload) = await raw.ReadFrameAsync();
        Assert.Equal((0x8A, "are you there"), (first, Encoding.ASCII.GetString(payload)));
        using JsonDocument welcome = JsonDocument.Parse(await raw.ReadTextFrameAsync());
        Assert.Equal(MessageTypes.Welcome, welcome.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Several_frames_in_one_segment_are_all_answered_in_order()
    {
        await using var raw = await UpgradedAsync();
        byte[] hello = EngineFrames.Text($$"""{"type":"hello","v":1,"token":"{{_node.Mint("bob")}}"}""");
        byte[] ping = EngineFrames.Text("""{"type":"ping","id":"p1"}""");
        await raw.SendAsync([.. hello, .. ping, .. EngineFrames.Text("""{"type":"ping","id":"p2"}""")]);
        Assert.Contains(MessageTypes.Welcome, await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
        Assert.Contains("\"p1\"", await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
        Assert.Contains("\"p2\"", await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 }, 1007)] // invalid UTF-8 in a text message
    [InlineData(new byte[] { 0x80 }, 1007)]
    public async Task Invalid_text_is_closed_with_1007(byte[] bytes, int code)
    {
        await using var raw = await UpgradedAsync();
        await raw.SendAsync(EngineFrames.Frame(0x1, bytes));
        (byte first, byte[] payload) = await raw.ReadFrameAsync();
        Assert.Equal((0x88, code), (first, EngineFrames.CloseCode(payload)));
    }

    [Theory]
    [InlineData(0x0, 1002)] // a continuation without a message
    [InlineData(0x3, 1002)] // a reserved opcode
    public async Task Framing_errors_are_closed_with_1002(int opcode, int code)
    {
        await using var raw = await UpgradedAsync();
        await raw.SendAsync(EngineFrames.Frame(opcode, [0x41]));
        (byte first, byte[] payload) = await raw.ReadFrameAsync();
        Assert.Equal((0x88, code), (first, EngineFrames.CloseCode(payload)));
    }

    [Fact]
    public async Task A_client_close_is_answered_and_the_socket_closed()
    {
        await using var raw = await RawSocket.ConnectAsync(_node.WebSocketUri);
        Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(_node.Mint("carol")))!.Type);
        await raw.CloseAsync(WebSocketCloseStatus.NormalClosure);
        Assert.Equal(WebSocketState.Closed, raw.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, raw.CloseStatus);
        await Eventually.TrueAsync(() => _node.Services.GetRequiredService<EpollEngine>().Count == 0, "the engine closed the socket");
    }

    [Fact]
    public async Task A_close_with_a_reserved_code_is_a_protocol_error()
    {
        await using var raw = await UpgradedAsync();
        await raw.SendAsync(EngineFrames.Frame(0x8, [0x03, 0xED])); // 1005 must not be sent (RFC 6455 section 7.4.1)
        (byte first, byte[] payload) = await raw.ReadFrameAsync();
        Assert.Equal((0x88, 1002), (first, EngineFrames.CloseCode(payload)));
    }

    [Fact]
    public async Task An_abrupt_close_ends_the_session_and_the_others_are_told()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice2");
        await alice.JoinAsync("abrupt");
        await using (var raw = await RawSocket.ConnectAsync(_node.WebSocketUri))
        {
            Assert.Equal(MessageTypes.Welcome, (await raw.HelloAsync(_node.Mint("dave")))!.Type);
            await raw.SendTextAsync("""{"type":"join","id":"j","room":"abrupt"}""");
            Assert.NotNull(await raw.ReceiveTypeAsync(MessageTypes.Joined));
            raw.Abort();
        }
        await aliceEvents.WaitAsync(MessageTypes.MemberLeft, m => m.Peer == "dave", TimeSpan.FromSeconds(60));
        await alice.PingAsync();
    }

    [Fact]
    public async Task Two_hundred_sessions_in_pairs_all_relay()
    {
        const int pairs = 100;
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll, "MaxConnectionsPerIp=1000");
        var clients = await Task.WhenAll(Enumerable.Range(0, pairs * 2).Select(i => node.ConnectAsync("p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        await Task.WhenAll(clients.Select((c, i) => c.Client.JoinAsync("pair-" + (i / 2).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        await Task.WhenAll(Enumerable.Range(0, pairs).Select(p =>
            clients[2 * p].Client.SendMessageAsync("pair-" + p.ToString(System.Globalization.CultureInfo.InvariantCulture), Protocol.Json.Parse("\"hi " + p.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\""))));
        for (int p = 0; p < pairs; p++)
        {
            var m = await clients[(2 * p) + 1].Events.WaitAsync(MessageTypes.Message);
            Assert.Equal("hi " + p.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Data!.Value.GetString());
        }
    }

    [Fact]
    public async Task A_reader_that_stays_behind_is_dropped_and_the_sender_is_unaffected()
    {
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll, "SendQueueMessages=8", "MessagesPerSecond=100000", "Burst=100000", "ResumeWindowMs=1000");
        var (sender, senderEvents) = await node.ConnectAsync("sender");
        await sender.JoinAsync("slow");
        // A small receive buffer (not the kernel default) keeps the volume needed to fill the path small.
        await using var reader = await UpgradedAsync(node, receiveBufferSize: 4096);
        await reader.SendAsync(EngineFrames.Text($$"""{"type":"hello","v":1,"token":"{{node.Mint("reader")}}"}"""));
        await reader.SendAsync(EngineFrames.Text("""{"type":"join","id":"j","room":"slow"}"""));
        await Eventually.TrueAsync(() => senderEvents.OfType(MessageTypes.MemberJoined).Length > 0, "the reader joined");
        var payload = Protocol.Json.Parse("\"" + new string('x', 60 * 1024) + "\"");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && senderEvents.OfType(MessageTypes.MemberLeft).Length == 0)
        {
            try
            {
                await sender.SendMessageAsync("slow", payload, to: "reader");
            }
            catch (RtcStack.Client.SignalingException ex) when (ex.Code == ErrorCodes.UnknownTarget)
            {
                break;
            }
        }
        Assert.Equal("reader", (await senderEvents.WaitAsync(MessageTypes.MemberLeft)).Peer);
        Assert.True(await node.MetricAsync("signaling_errors", "slow-consumer") >= 1, "slow-consumer counted in /metrics");
        await sender.PingAsync();
    }

    [Fact]
    public async Task Relay_frames_run_on_the_engine_thread_and_hello_and_join_on_the_thread_pool()
    {
        EpollEngine engine = _node.Services.GetRequiredService<EpollEngine>();
        Assert.True(engine.InlineRelay);
        var (alice, _) = await _node.ConnectAsync("inline-a");
        var (bob, bobEvents) = await _node.ConnectAsync("inline-b");
        await alice.JoinAsync("inline");
        await bob.JoinAsync("inline");
        long pooled = engine.Metrics.ReceivesPooled;
        Assert.True(pooled >= 2, $"the joins went to the pool ({pooled})");
        // A relay frame completes inline when the hub's loop already waits for it; on a loaded machine the first ones
        // may find it still busy (then they are simply buffered), so send up to 50 until one did.
        int sent = 0;
        while (sent < 50 && (sent < 5 || engine.Metrics.ReceivesInline == 0))
        {
            await alice.SendMessageAsync("inline", Protocol.Json.Parse("\"x\""), to: "inline-b");
            sent++;
        }
        await bobEvents.WaitCountAsync(MessageTypes.Message, sent);
        Assert.True(engine.Metrics.ReceivesInline >= 1, $"relay frames completed inline ({sent} sent)");
    }

    [Fact]
    public async Task With_the_Redis_backplane_every_frame_is_handled_on_the_thread_pool()
    {
        await using var redis = await RedisServerProcess.StartNewAsync();
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll, "Redis=" + redis.ConnectionString);
        EpollEngine engine = node.Services.GetRequiredService<EpollEngine>();
        Assert.False(engine.InlineRelay);
        var (alice, _) = await node.ConnectAsync("redis-a");
        var (bob, bobEvents) = await node.ConnectAsync("redis-b");
        await alice.JoinAsync("r");
        await bob.JoinAsync("r");
        await alice.SendMessageAsync("r", Protocol.Json.Parse("\"over redis\""), to: "redis-b");
        Assert.Equal("over redis", (await bobEvents.WaitAsync(MessageTypes.Message)).Data!.Value.GetString());
        Assert.Equal(0, engine.Metrics.ReceivesInline);
        Assert.True(engine.Metrics.ReceivesPooled >= 3, "joins and the message went to the pool");
    }

    private Task<RawHttp> UpgradedAsync() => UpgradedAsync(_node);

    private static async Task<RawHttp> UpgradedAsync(TestNode node, int? receiveBufferSize = null)
    {
        var raw = await RawHttp.ConnectAsync(node.BaseAddress, receiveBufferSize);
        await raw.SendAsync(RawHttp.Upgrade());
        Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        return raw;
    }
}
