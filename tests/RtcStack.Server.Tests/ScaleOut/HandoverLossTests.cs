using Microsoft.Extensions.DependencyInjection;
using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using StackExchange.Redis;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// A lost-peer notice that reaches the new node while a session is being handed over to it (real redis-server): the
/// old owner is slow (its Redis traffic held by a proxy), so it answers the handover request only after the notice
/// was applied on the new node, where the session was not installed yet. The handed-over session's call with the
/// lost peer still ends once it is installed.
/// </summary>
public sealed class HandoverLossTests : IAsyncLifetime
{
    // Short for the node to be swept and for the sweeper (it ticks every TTL/3): the old node's Redis traffic is held
    // until the sweep, and a hold longer than its command timeout would lose the handover request.
    private const string ShortTtl = "RedisBackplane:NodeLivenessTtl=00:00:03";
    private RedisNodes _nodes = null!;
    private LoadBalancer _toOld = null!;
    private LoadBalancer _toDead = null!;
    private TestNode _survivor = null!;
    private TestNode _old = null!;
    private TestNode _new = null!;
    private TestNode _dead = null!;

    public async Task InitializeAsync()
    {
        _nodes = await RedisNodes.StartAsync();
        _toOld = _nodes.AddProxy();
        _toDead = _nodes.AddProxy();
        _survivor = await _nodes.StartNodeAsync(_nodes.Direct, ShortTtl);
        // The old owner is never swept while it is held; the new node waits for its answer as long as the test needs.
        _old = await _nodes.StartNodeAsync(RedisNodes.Via(_toOld), "RedisBackplane:NodeLivenessTtl=00:05:00");
        // Not short: a stall of this process on a loaded box must not get the new node swept.
        _new = await _nodes.StartNodeAsync(_nodes.Direct, "RedisBackplane:NodeLivenessTtl=00:00:20", "RedisBackplane:HandoverTimeout=00:02:00");
        _dead = await _nodes.StartNodeAsync(RedisNodes.Via(_toDead), ShortTtl);
        await _nodes.AllReadyAsync("the four nodes are ready");
    }

    public async Task DisposeAsync()
    {
        _toOld.Holding = false;
        await _nodes.DisposeAsync();
    }

    [Fact]
    public async Task A_peer_lost_while_a_session_is_handed_over_ends_the_handed_over_call()
    {
        await using var balancer = new LoadBalancer(_old.BaseAddress);
        var (bob, bobEvents) = await _old.ConnectViaAsync(balancer, "bob", o => o.ConnectTimeout = o.RequestTimeout = TimeSpan.FromMinutes(2));
        var (carol, carolEvents) = await _dead.ConnectAsync("carol");
        var (frank, frankEvents) = await _dead.ConnectAsync("frank");
        var (erin, erinEvents) = await _new.ConnectAsync("erin");
        string bobCall = await carol.InviteAsync("bob", "elsewhere");
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == bobCall), "bob is invited");
        await bob.AcceptAsync(bobCall);
        string erinCall = await erin.InviteAsync("frank", "elsewhere");
        await Eventually.TrueAsync(() => frankEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == erinCall), "frank is invited by erin");
        await frank.AcceptAsync(erinCall);
        await Eventually.TrueAsync(
            () => carolEvents.OfType(MessageTypes.Accepted).Any(m => m.CallId == bobCall) && erinEvents.OfType(MessageTypes.Accepted).Any(m => m.CallId == erinCall),
            "both calls are accepted");

        // bob resumes on the new node, which asks the (held) old owner for his session and waits.
        _toOld.Holding = true;
        balancer.Target = _new.BaseAddress;
        bob.SimulateConnectionLoss();
        string newNode = _new.Services.GetRequiredService<IBackplane>().NodeId;
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(_nodes.Redis.ConnectionString))
        {
            await Eventually.TrueAsync(async () => await redis.GetDatabase().StringGetAsync("rtcstack:route:bob") == newNode, "the new node took bob's route");
        }

        // carol's node is cut off for good; the survivor sweeps it and every node is told carol and frank are lost. The
        // new node applies that now (erin's call with frank ends) while bob's session is still on its way.
        _toDead.Paused = true;
        _toDead.DropAll();
        await Eventually.TrueAsync(() => erinEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == erinCall), "the new node applied the notice", TimeSpan.FromSeconds(90));
        Assert.Single(bobEvents.Welcomes);

        _toOld.Holding = false;
        await Eventually.TrueAsync(() => bobEvents.Welcomes.Length == 2 && bob.State == ConnectionState.Connected, "bob resumed on the new node", TimeSpan.FromSeconds(90));
        Assert.True(bobEvents.Welcomes[1].Resumed);
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == bobCall && m.From == "carol"), "bob's handed-over call with carol ends");
        await bob.PingAsync();
        Assert.Single(bobEvents.OfType(MessageTypes.Hangup));
    }
}
