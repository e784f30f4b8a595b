using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server.Engine;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Server.Tests.Listener;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// The engine's batched sends (<c>Server:EpollSendRing</c>, io_uring): a broadcast fans out to two sockets in one batch,
/// one reading and one whose client stopped reading with a 4 KiB window, so its sends come back <c>-EAGAIN</c> or short
/// and the rest goes out on EPOLLOUT. Both must get every frame intact and in order, with the ring and without it.
/// </summary>
public sealed class EpollSendRingTests
{
    private const int Messages = 150; // ~1.1 KB each: ~165 KB, far more than the stalled socket's buffers, below the send high water

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Broadcasts_reach_a_reading_and_a_stalled_client_intact_and_in_order(bool useRing)
    {
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll, "MessagesPerSecond=100000", "Burst=100000",
            "--Server:EpollSendRing=" + (useRing ? "true" : "false"));
        EpollEngine engine = node.Services.GetRequiredService<EpollEngine>();
        var (alice, _) = await node.ConnectAsync("ring-a");
        var (bob, bobEvents) = await node.ConnectAsync("ring-b");
        await alice.JoinAsync("ring");
        await bob.JoinAsync("ring");
        await using RawHttp carol = await JoinedRawClientAsync(node, "ring-c", "ring");
        string filler = new('x', 1000);

        for (int i = 0; i < Messages; i++)
        {
            await alice.SendMessageAsync("ring", Protocol.Json.Parse($"[{i},\"{filler}\"]"));
        }

        ServerMessage[] got = await bobEvents.WaitCountAsync(MessageTypes.Message, Messages, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, Messages), got.Select(m => m.Data!.Value[0].GetInt32()));
        bool ringAvailable = RingAvailable();
        if (useRing && ringAvailable)
        {
            Assert.True(engine.Metrics.RingSends > 0, "the fan-out went through the ring");
            Assert.Equal(0, engine.Metrics.RingFailures);
        }
        else
        {
            Assert.Equal(0, engine.Metrics.RingSends);
        }
        // The stalled client reads now: everything it was sent, in order, byte for byte.
        int next = 0;
        while (next < Messages)
        {
            using JsonDocument frame = JsonDocument.Parse(await carol.ReadTextFrameAsync());
            if (frame.RootElement.GetProperty("type").GetString() != MessageTypes.Message)
            {
                continue;
            }
            JsonElement data = frame.RootElement.GetProperty("data");
            Assert.Equal((next, filler), (data[0].GetInt32(), data[1].GetString()));
            Assert.Equal("ring-a", frame.RootElement.GetProperty("from").GetString());
            next++;
        }
    }

    private static bool RingAvailable()
    {
        using SendRing? probe = SendRing.TryCreate(out _);
        return probe is not null;
    }

    /// <summary>A raw WebSocket client (4 KiB receive window, 536-byte MSS) that said hello and joined <paramref name="room"/>.</summary>
    private static async Task<RawHttp> JoinedRawClientAsync(TestNode node, string peer, string room)
    {
        RawHttp raw = await RawHttp.ConnectAsync(node.BaseAddress, receiveBufferSize: 4096, maxSegment: 536);
        await raw.SendAsync(RawHttp.Upgrade());
        Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadResponseAsync(), StringComparison.Ordinal);
        await raw.SendTextFrameAsync($$"""{"type":"hello","v":1,"token":"{{node.Mint(peer)}}"}""");
        Assert.Contains("\"welcome\"", await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
        await raw.SendTextFrameAsync($$"""{"type":"join","id":"j","room":"{{room}}"}""");
        while (!(await raw.ReadTextFrameAsync()).Contains("\"joined\"", StringComparison.Ordinal))
        {
        }
        return raw;
    }
}
