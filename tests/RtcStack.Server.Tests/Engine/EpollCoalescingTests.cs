using Microsoft.Extensions.DependencyInjection;
using RtcStack.Server.Engine;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Engine;

/// <summary>
/// Wake-up coalescing in a live engine (<c>Server:EpollCoalesceMicroseconds</c>): frames still arrive, in order, while
/// the loop pauses after every batch; with the interval 0 it never pauses. No timing is asserted.
/// </summary>
public sealed class EpollCoalescingTests
{
    [Fact]
    public async Task Relayed_frames_are_delivered_in_order_while_the_loop_coalesces_after_every_batch()
    {
        // A threshold of 0 events/s: the loop pauses after every batch, 2 ms at a time.
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll,
            "--Server:EpollCoalesceMicroseconds=2000", "--Server:EpollCoalesceMinEventsPerSecond=0");
        EpollEngine engine = node.Services.GetRequiredService<EpollEngine>();
        Assert.Equal((2000, 0), (engine.CoalesceMicroseconds, engine.CoalesceMinEventsPerSecond));
        var (alice, aliceEvents) = await node.ConnectAsync("co-a");
        var (bob, bobEvents) = await node.ConnectAsync("co-b");
        await alice.JoinAsync("co");
        await bob.JoinAsync("co");
        for (int i = 0; i < 20; i++)
        {
            await alice.SendMessageAsync("co", Protocol.Json.Parse(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), to: "co-b");
        }
        await bob.SendMessageAsync("co", Protocol.Json.Parse("\"back\""), to: "co-a");
        ServerMessage[] got = await bobEvents.WaitCountAsync(MessageTypes.Message, 20);
        Assert.Equal(Enumerable.Range(0, 20), got.Select(m => m.Data!.Value.GetInt32()));
        Assert.Equal("back", (await aliceEvents.WaitAsync(MessageTypes.Message)).Data!.Value.GetString());
        Assert.True(engine.Metrics.Pauses > 0, "the loop paused after its batches");
        EngineSettings.AssertServed(node.Services, [EngineSettings.Epoll]);
    }

    [Fact]
    public async Task With_the_interval_0_the_loop_never_pauses()
    {
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll,
            "--Server:EpollCoalesceMicroseconds=0", "--Server:EpollCoalesceMinEventsPerSecond=0");
        EpollEngine engine = node.Services.GetRequiredService<EpollEngine>();
        var (alice, _) = await node.ConnectAsync("off-a");
        var (bob, bobEvents) = await node.ConnectAsync("off-b");
        await alice.JoinAsync("off");
        await bob.JoinAsync("off");
        for (int i = 0; i < 20; i++)
        {
            await alice.SendMessageAsync("off", Protocol.Json.Parse("\"x\""), to: "off-b");
        }
        await bobEvents.WaitCountAsync(MessageTypes.Message, 20);
        Assert.True(engine.Metrics.Events > 0);
        Assert.Equal(0, engine.Metrics.Pauses);
    }

    [Fact]
    public async Task By_default_the_loop_never_coalesces()
    {
        await using var node = await TestNode.StartAsync(EngineSettings.Epoll);
        EpollEngine engine = node.Services.GetRequiredService<EpollEngine>();
        Assert.Equal((EpollEngine.DefaultCoalesceMicroseconds, EpollEngine.DefaultCoalesceMinEventsPerSecond),
            (engine.CoalesceMicroseconds, engine.CoalesceMinEventsPerSecond));
        Assert.Equal(0, engine.CoalesceMicroseconds);
        Assert.True(EpollEngine.DefaultCoalesceMinEventsPerSecond > 0, "when turned on, an idle or light server never pauses");
    }
}
