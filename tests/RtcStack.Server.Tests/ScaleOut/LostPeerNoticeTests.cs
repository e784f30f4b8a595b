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
    private RedisNodes _nodes = null!;
    private LoadBalancer _toBrief = null!;
    private LoadBalancer _toDead = null!;
    private TestNode _survivor = null!;
    private TestNode _brief = null!;
    private TestNode _dead = null!;

    public async Task InitializeAsync()
    {
        _nodes = await RedisNodes.StartAsync();
        _toBrief = _nodes.AddProxy();
        _toDead = _nodes.AddProxy();
        _survivor = await _nodes.StartNodeAsync(_nodes.Direct, "RedisBackplane:NodeLivenessTtl=00:00:10");
        // A long TTL: its outage below never gets it swept.
        _brief = await _nodes.StartNodeAsync(RedisNodes.Via(_toBrief), "RedisBackplane:NodeLivenessTtl=00:05:00");
        _dead = await _nodes.StartNodeAsync(RedisNodes.Via(_toDead), "RedisBackplane:NodeLivenessTtl=00:00:10");
        await _nodes.AllReadyAsync("the three nodes are ready");
    }

    public Task DisposeAsync() => _nodes.DisposeAsync().AsTask();

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
        await CutOffBriefThenSweepDeadAsync(carolEvents);
        Assert.DoesNotContain(aliceEvents.OfType(MessageTypes.Hangup), m => m.CallId == callId);

        // Back: the notice it missed is read from the stream, and alice's call ends as if bob had hung up.
        _toBrief.Paused = false;
        await Eventually.TrueAsync(
            () => aliceEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == callId && m.From == "bob"),
            "alice's call with bob ends once her node is back",
            TimeSpan.FromSeconds(90));
        await Eventually.TrueAsync(async () => await RedisNodes.Ready(_brief), "alice's node is ready again");
        await alice.PingAsync();
        Assert.Single(aliceEvents.OfType(MessageTypes.Hangup));
    }

    /// <summary>
    /// The notice a node reads late names the session that was lost: bob's new session, started on alice's node while
    /// that node was cut off (after the survivor swept bob's old node), keeps its call with alice when the node is back
    /// and applies the notice about bob's old session (before, the notice ended every call with bob).
    /// </summary>
    [Fact]
    public async Task A_call_made_with_a_peers_new_session_while_the_node_was_cut_off_survives_the_late_notice_about_its_old_one()
    {
        var (alice, aliceEvents) = await _brief.ConnectAsync("alice");
        var (bob, _) = await _dead.ConnectAsync("bob", o => o.AutoReconnect = false);
        await bob.JoinAsync("r");
        var (carol, carolEvents) = await _survivor.ConnectAsync("carol");
        await carol.JoinAsync("r");

        // alice's node loses Redis; then bob's node is cut off for good and the survivor sweeps it.
        await CutOffBriefThenSweepDeadAsync(carolEvents);

        // bob comes back on alice's node, still cut off (a new session there), and calls alice, who accepts.
        var (bobAgain, bobAgainEvents) = await _brief.ConnectAsync("bob");
        string callId = await bobAgain.InviteAsync("alice", "elsewhere");
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == callId), "alice is invited");
        await alice.AcceptAsync(callId);
        await Eventually.TrueAsync(() => bobAgainEvents.OfType(MessageTypes.Accepted).Any(m => m.CallId == callId), "bob sees the call accepted");

        // Back: the node reads the notice about bob's old session from the stream (before it is ready again).
        _toBrief.Paused = false;
        await Eventually.TrueAsync(async () => await RedisNodes.Ready(_brief), "alice's node is ready again", TimeSpan.FromSeconds(90));
        await alice.PingAsync();
        await bobAgain.PingAsync();
        Assert.DoesNotContain(aliceEvents.OfType(MessageTypes.Hangup), m => m.CallId == callId);
        Assert.DoesNotContain(bobAgainEvents.OfType(MessageTypes.Hangup), m => m.CallId == callId);

        // The call is alive: bob hangs up and alice hears it once.
        await bobAgain.HangupAsync(callId);
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == callId && m.From == "bob"), "alice hears bob hang up");
        Assert.Single(aliceEvents.OfType(MessageTypes.Hangup), m => m.CallId == callId);
    }

    /// <summary>
    /// The brief node loses Redis (and notices), then the dead node is cut off for good and the survivor sweeps it (carol,
    /// on the survivor in a room with bob of the dead node, sees bob leave).
    /// </summary>
    private async Task CutOffBriefThenSweepDeadAsync(EventLog carolEvents)
    {
        _toBrief.Paused = true;
        _toBrief.DropAll();
        await Eventually.TrueAsync(async () => await _brief.GetStatusAsync("/readyz") == 503, "alice's node notices the outage");
        _toDead.Paused = true;
        _toDead.DropAll();
        await Eventually.TrueAsync(
            () => carolEvents.OfType(MessageTypes.MemberLeft).Any(m => m.Peer == "bob"),
            "the survivor swept bob's node",
            TimeSpan.FromSeconds(90));
    }
}
