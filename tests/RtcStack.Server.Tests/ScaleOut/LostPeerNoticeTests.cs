using System.Globalization;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// Lost-peer notices are durable: a node that is disconnected from Redis (through a TCP proxy to a real redis-server)
/// at the moment a survivor sweeps a dead node misses the pub/sub notice, and still ends its sessions' calls with the
/// dead node's peers once it is back (it reads the <c>lost</c> stream). Its outage is shorter than its own liveness
/// TTL, so it is not presumed dead itself (that path ends the calls by another way).
/// </summary>
public sealed class LostPeerNoticeTests : IAsyncLifetime
{
    private RedisServerProcess _redis = null!;
    private LoadBalancer _toBrief = null!;
    private LoadBalancer _toDead = null!;
    private TestNode _survivor = null!;
    private TestNode _brief = null!;
    private TestNode _dead = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServerProcess.StartNewAsync();
        _toBrief = new LoadBalancer(new Uri("tcp://" + _redis.ConnectionString));
        _toDead = new LoadBalancer(new Uri("tcp://" + _redis.ConnectionString));
        _survivor = await TestNode.StartAsync("Redis=" + _redis.ConnectionString, "RedisBackplane:NodeLivenessTtl=00:00:10");
        // A long TTL: its outage below never gets it swept.
        _brief = await TestNode.StartAsync(Via(_toBrief), "RedisBackplane:NodeLivenessTtl=00:05:00");
        _dead = await TestNode.StartAsync(Via(_toDead), "RedisBackplane:NodeLivenessTtl=00:00:10");
        await Eventually.TrueAsync(async () => await Ready(_survivor) && await Ready(_brief) && await Ready(_dead), "the three nodes are ready");
    }

    public async Task DisposeAsync()
    {
        await _survivor.DisposeAsync();
        await _brief.DisposeAsync();
        await _dead.DisposeAsync();
        await _toBrief.DisposeAsync();
        await _toDead.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_node_disconnected_when_a_dead_nodes_peers_were_reported_lost_ends_its_calls_with_them_when_back()
    {
        var (alice, aliceEvents) = await _brief.ConnectAsync("alice");
        var (bob, bobEvents) = await _dead.ConnectAsync("bob");
        await bob.JoinAsync("r");
        var (carol, carolEvents) = await _survivor.ConnectAsync("carol");
        await carol.JoinAsync("r");
        string callId = await alice.InviteAsync("bob", "elsewhere");
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == callId), "bob is invited");
        await bob.AcceptAsync(callId);
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Accepted).Any(m => m.CallId == callId), "alice sees the call accepted");

        // alice's node loses Redis; then bob's node is cut off for good and the survivor sweeps it.
        _toBrief.Paused = true;
        _toBrief.DropAll();
        await Eventually.TrueAsync(async () => await _brief.GetStatusAsync("/readyz") == 503, "alice's node notices the outage");
        _toDead.Paused = true;
        _toDead.DropAll();
        await Eventually.TrueAsync(
            () => carolEvents.OfType(MessageTypes.MemberLeft).Any(m => m.Peer == "bob"),
            "the survivor swept bob's node",
            TimeSpan.FromSeconds(90));
        Assert.DoesNotContain(aliceEvents.OfType(MessageTypes.Hangup), m => m.CallId == callId);

        // Back: the notice it missed is read from the stream, and alice's call ends as if bob had hung up.
        _toBrief.Paused = false;
        await Eventually.TrueAsync(
            () => aliceEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == callId && m.From == "bob"),
            "alice's call with bob ends once her node is back",
            TimeSpan.FromSeconds(90));
        await Eventually.TrueAsync(async () => await Ready(_brief), "alice's node is ready again");
        await alice.PingAsync();
        Assert.Single(aliceEvents.OfType(MessageTypes.Hangup));
    }

    private static string Via(LoadBalancer proxy) =>
        "Redis=127.0.0.1:" + proxy.WebSocketUri.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task<bool> Ready(TestNode node) => await node.GetStatusAsync("/readyz") == 200;
}
