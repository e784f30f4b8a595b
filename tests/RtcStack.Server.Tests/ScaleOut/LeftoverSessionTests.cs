using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// A node cut off from Redis (TCP proxy to a real redis-server) longer than its liveness TTL, while one of its peers
/// comes back on the survivor: when the node reaches Redis again and finds the peer owned there, it drops its leftover
/// session at once (its long resume window is not waited out), ending the leftover's calls with its own sessions and
/// telling no room the peer left.
/// </summary>
public sealed class LeftoverSessionTests : IAsyncLifetime
{
    private const string LivenessTtl = "RedisBackplane:NodeLivenessTtl=00:00:10";
    private RedisNodes _nodes = null!;
    private LoadBalancer _proxy = null!;
    private TestNode _survivor = null!;
    private TestNode _cut = null!;

    public async Task InitializeAsync()
    {
        _nodes = await RedisNodes.StartAsync();
        _proxy = _nodes.AddProxy();
        _survivor = await _nodes.StartNodeAsync(_nodes.Direct, LivenessTtl);
        // A resume window far longer than the test: only the drop can end the leftover in time.
        _cut = await _nodes.StartNodeAsync(RedisNodes.Via(_proxy), LivenessTtl, "ResumeWindowMs=600000");
        await _nodes.AllReadyAsync("both nodes are ready");
    }

    public Task DisposeAsync() => _nodes.DisposeAsync().AsTask();

    [Fact]
    public async Task A_leftover_of_a_peer_that_resumed_elsewhere_is_dropped_when_the_node_is_back()
    {
        await using var balancer = new LoadBalancer(_cut.BaseAddress);
        var (bob, bobEvents) = await _cut.ConnectViaAsync(balancer, "bob");
        await bob.JoinAsync("r");
        var (carol, carolEvents) = await _cut.ConnectAsync("carol");
        var (alice, aliceEvents) = await _survivor.ConnectAsync("alice");
        await alice.JoinAsync("r");
        string callId = await carol.InviteAsync("bob", "elsewhere");
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == callId), "bob is invited");
        await bob.AcceptAsync(callId);
        await Eventually.TrueAsync(() => carolEvents.OfType(MessageTypes.Accepted).Any(m => m.CallId == callId), "carol sees the call accepted");

        _proxy.Paused = true;
        _proxy.DropAll();
        await Eventually.TrueAsync(() => LeftCount(aliceEvents, "bob") == 1, "the survivor presumes bob gone", TimeSpan.FromSeconds(90));
        // bob comes back on the survivor: his old session's owner was swept, so he gets a new session there.
        balancer.Target = _survivor.BaseAddress;
        bob.SimulateConnectionLoss();
        await Eventually.TrueAsync(() => bobEvents.Welcomes.Length == 2 && bob.State == ConnectionState.Connected, "bob is connected to the survivor", TimeSpan.FromSeconds(90));
        Assert.False(bobEvents.Welcomes[1].Resumed);
        await bob.JoinAsync("r");
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.MemberJoined).Count(m => m.Peer == "bob") == 1, "alice sees bob join again");

        _proxy.Paused = false;
        await Eventually.TrueAsync(() => RedisNodes.Ready(_cut), "the cut node is back", TimeSpan.FromSeconds(90));
        // The leftover is gone at once: carol's call with it ends (not after the ten-minute resume window).
        await Eventually.TrueAsync(() => carolEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == callId && m.From == "bob"), "carol's call with bob's leftover ends");

        // bob is alive on the survivor: nobody is told he left again, and he reaches both nodes.
        await bob.SendMessageAsync("r", Protocol.Json.Parse("\"still here\""), to: "alice");
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Message).Any(m => m.From == "bob"), "alice gets bob's message");
        string again = await carol.InviteAsync("bob", "elsewhere");
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == again), "bob's new session is invited by carol");
        Assert.Equal(1, LeftCount(aliceEvents, "bob"));
        Assert.Single(carolEvents.OfType(MessageTypes.Hangup));
    }

    private static int LeftCount(EventLog events, string peer) => events.OfType(MessageTypes.MemberLeft).Count(m => m.Peer == peer);
}
