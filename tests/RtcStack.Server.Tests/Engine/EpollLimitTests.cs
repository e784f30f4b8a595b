using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server.Engine;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Server.Tests.Listener;

namespace RtcStack.Server.Tests.Engine;

/// <summary>The epoll engine's limits against hostile clients: ping floods, oversized and endless messages.</summary>
public sealed class EpollLimitTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(EngineSettings.Epoll);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_frame_announcing_a_gigabyte_is_closed_with_1009_before_its_payload()
    {
        await using var raw = await UpgradedAsync();
        byte[] header = [0x81, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]; // text, 1 GiB, masked; no payload follows
        await raw.SendAsync(header);
        (byte first, byte[] payload) = await raw.ReadFrameAsync();
        Assert.Equal((0x88, 1009), (first, EngineFrames.CloseCode(payload)));
        Assert.True(await raw.ClosedByServerAsync());
    }

    [Fact]
    public async Task Continuations_past_the_limit_are_closed_with_1009_without_waiting_for_fin()
    {
        await using var raw = await UpgradedAsync();
        await raw.SendAsync(EngineFrames.Text(new string('a', 40 * 1024), fin: false));
        await raw.SendAsync(EngineFrames.Frame(0x0, Encoding.ASCII.GetBytes(new string('b', 30 * 1024)), fin: false));
        (byte first, byte[] payload) = await raw.ReadFrameAsync();
        Assert.Equal((0x88, 1009), (first, EngineFrames.CloseCode(payload)));
    }

    [Fact]
    public async Task A_control_frame_with_a_64_bit_length_is_a_protocol_error()
    {
        await using var raw = await UpgradedAsync();
        await raw.SendAsync([0x89, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]); // ping claiming 4 GiB
        (byte first, byte[] payload) = await raw.ReadFrameAsync();
        Assert.Equal((0x88, 1002), (first, EngineFrames.CloseCode(payload)));
    }

    [Fact]
    public async Task A_ping_flood_from_a_client_that_never_reads_stops_being_read()
    {
        EpollEngine engine = _node.Services.GetRequiredService<EpollEngine>();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _node.BaseAddress.Port), cts.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes(RawHttp.Upgrade()), SocketFlags.None, cts.Token);
            var head = new List<byte>();
            var one = new byte[1];
            while (!Encoding.ASCII.GetString([.. head]).EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                Assert.Equal(1, await socket.ReceiveAsync(one, SocketFlags.None, cts.Token));
                head.Add(one[0]);
            }
            Assert.StartsWith("HTTP/1.1 101 ", Encoding.ASCII.GetString([.. head]), StringComparison.Ordinal);
        }
        Assert.Equal(1, engine.Count);
        byte[] pings = new byte[64 * 1024 - (64 * 1024 % 6)];
        for (int i = 0; i < pings.Length; i += 6)
        {
            pings[i] = 0x89; // ping, empty payload, masked
            pings[i + 1] = 0x80;
        }
        // Without a bound the server reads all 64 MB (and queues 22 MB of pongs); with it, it stops reading once its
        // unsent pongs pass the send high water, so the kernel buffers fill and a send blocks long before that.
        long sent = 0;
        bool blocked = false;
        while (sent < 64L * 1024 * 1024)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                sent += await socket.SendAsync(pings, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                blocked = true;
                break;
            }
        }
        Assert.True(blocked, $"the server read all {sent} bytes of pings");
        Assert.True(sent < 48L * 1024 * 1024, $"sent {sent} bytes before blocking");
        Assert.Equal(1, engine.Count);
    }

    [Fact]
    public async Task A_join_queued_behind_an_inline_relay_frame_completes_on_the_thread_pool()
    {
        EpollEngine engine = _node.Services.GetRequiredService<EpollEngine>();
        await using var raw = await UpgradedAsync();
        await raw.SendAsync(EngineFrames.Text($$"""{"type":"hello","v":1,"token":"{{_node.Mint("hop")}}"}"""));
        Assert.Contains("welcome", await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
        await raw.SendAsync(EngineFrames.Text("""{"type":"join","id":"j1","room":"hop"}"""));
        Assert.Contains("\"j1\"", await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
        // One segment: a relay frame (to nobody: the hub answers an error) and right behind it a ping request. The
        // relay frame completes inline only if the hub's loop is already waiting for it when the segment arrives; on
        // a loaded machine it may still be finishing the previous answer (then both frames are simply buffered), so
        // the segment is sent again, after a pause, until the relay frame did complete inline.
        for (int attempt = 1; ; attempt++)
        {
            await Task.Delay(100);
            long pooled = engine.Metrics.ReceivesPooled;
            long inline = engine.Metrics.ReceivesInline;
            await raw.SendAsync([.. EngineFrames.Text("""{"type":"message","id":"m1","room":"hop","to":"nobody","data":1}"""),
                .. EngineFrames.Text("""{"type":"ping","id":"p1"}""")]);
            var frames = new List<string> { await raw.ReadTextFrameAsync(), await raw.ReadTextFrameAsync() };
            Assert.Contains(frames, f => f.Contains("\"p1\"", StringComparison.Ordinal));
            if (engine.Metrics.ReceivesInline > inline)
            {
                Assert.True(engine.Metrics.ReceivesPooled > pooled, "the ping behind it went to the pool, not on the engine thread");
                return;
            }
            Assert.True(attempt < 30, "the relay frame never completed inline in 30 attempts");
        }
    }

    private async Task<RawHttp> UpgradedAsync()
    {
        var raw = await RawHttp.ConnectAsync(_node.BaseAddress);
        await raw.SendAsync(RawHttp.Upgrade());
        Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        return raw;
    }
}
