using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// Resume across nodes (real redis-server, two server nodes) while other peers keep sending: every message
/// addressed to the resuming peer (directly or to its room) arrives exactly once and in order per sender, and
/// calls carry on.
/// </summary>
public sealed class CrossNodeResumeTests : IAsyncLifetime
{
    private RedisNodes _nodes = null!;
    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        _nodes = await RedisNodes.StartAsync();
        _a = await StartNodeAsync();
        _b = await StartNodeAsync();
        await _nodes.AllReadyAsync("both nodes ready");
    }

    public Task DisposeAsync() => _nodes.DisposeAsync().AsTask();

    // The senders send as fast as acknowledgements come back: no rate limit in the way.
    private Task<TestNode> StartNodeAsync() =>
        _nodes.StartNodeAsync(_nodes.Direct, "RingTimeoutMs=10000", "MessagesPerSecond=1000000", "Burst=1000000");

    [Fact]
    public async Task Senders_on_both_nodes_keep_sending_while_the_receiver_resumes_back_and_forth()
    {
        await using var balancer = new LoadBalancer(_a.BaseAddress);
        var (alice, _) = await _a.ConnectAsync("alice");
        var (carol, _) = await _b.ConnectAsync("carol");
        var (bob, bobEvents) = await _a.ConnectViaAsync(balancer, "bob");
        await alice.JoinAsync("r");
        await carol.JoinAsync("r");
        await bob.JoinAsync("r");

        var fromAlice = new ContinuousSender(alice, "r", "bob");
        var fromCarol = new ContinuousSender(carol, "r", to: null); // room broadcasts: the other routing path
        TestNode[] hops = [_b, _a, _b];
        for (int i = 0; i < hops.Length; i++)
        {
            // Let traffic flow, then move bob to the other node while both senders keep going.
            int floor = fromAlice.Sent + 20;
            await Eventually.TrueAsync(() => fromAlice.Sent >= floor && fromCarol.Sent >= 20 * (i + 1), "senders made progress");
            balancer.Target = hops[i].BaseAddress;
            bob.SimulateConnectionLoss();
            await Eventually.TrueAsync(() => bobEvents.Welcomes.Length == i + 2 && bob.State == ConnectionState.Connected, $"bob resumed (hop {i + 1})");
            Assert.True(bobEvents.Welcomes[i + 1].Resumed);
        }

        int floorAfter = fromAlice.Sent + 20;
        await Eventually.TrueAsync(() => fromAlice.Sent >= floorAfter, "senders made progress after the last hop");
        int aliceSent = await fromAlice.StopAsync();
        int carolSent = await fromCarol.StopAsync();
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Message).Length >= aliceSent + carolSent, $"{aliceSent + carolSent} messages at bob", TimeSpan.FromSeconds(60));
        await bob.PingAsync();

        ServerMessage[] received = bobEvents.OfType(MessageTypes.Message);
        Assert.Equal(Enumerable.Range(0, aliceSent), received.Where(m => m.From == "alice").Select(m => m.Data!.Value.GetInt32()));
        Assert.Equal(Enumerable.Range(0, carolSent), received.Where(m => m.From == "carol").Select(m => m.Data!.Value.GetInt32()));
        long[] seqs = [.. bobEvents.Messages.Where(m => m.Seq is not null).Select(m => m.Seq!.Value)];
        Assert.Equal(Enumerable.Range(1, seqs.Length).Select(i => (long)i), seqs);
        Assert.All(bobEvents.Welcomes, w => Assert.Equal(bobEvents.Welcomes[0].Session, w.Session));
    }

    [Fact]
    public async Task An_accepted_call_survives_a_resume_on_the_other_node()
    {
        await using var balancer = new LoadBalancer(_a.BaseAddress);
        var (alice, aliceEvents) = await _a.ConnectViaAsync(balancer, "alice");
        var (bob, bobEvents) = await _b.ConnectAsync("bob");
        string callId = await alice.InviteAsync("bob", "call");
        Assert.Equal(callId, (await bobEvents.WaitAsync(MessageTypes.Invite)).CallId);
        await bob.AcceptAsync(callId);
        await aliceEvents.WaitAsync(MessageTypes.Accepted);

        balancer.Target = _b.BaseAddress;
        alice.SimulateConnectionLoss();
        await Eventually.TrueAsync(() => aliceEvents.Welcomes.Length == 2 && alice.State == ConnectionState.Connected, "alice resumed on node b");
        Assert.True(aliceEvents.Welcomes[1].Resumed);

        // Busy detection moved with the session: a new invitation to alice is declined as busy.
        var (carol, carolEvents) = await _a.ConnectAsync("carol");
        string second = await carol.InviteAsync("alice", "call");
        var declined = await carolEvents.WaitAsync(MessageTypes.Declined);
        Assert.Equal((second, "busy"), (declined.CallId, declined.Reason));

        // The call itself moved: alice can hang it up on node b and bob is told.
        await alice.HangupAsync(callId);
        Assert.Equal(callId, (await bobEvents.WaitAsync(MessageTypes.Hangup)).CallId);
        Assert.Empty(aliceEvents.OfType(MessageTypes.Invite));
    }

    [Fact]
    public async Task Ring_timers_and_held_invitations_move_with_the_caller()
    {
        await using var balancer = new LoadBalancer(_a.BaseAddress);
        var (alice, aliceEvents) = await _a.ConnectViaAsync(balancer, "alice");
        var (dave, daveEvents) = await _a.ConnectAsync("dave");
        string toDave = await alice.InviteAsync("dave", "call");
        string toErin = await alice.InviteAsync("erin", "call");
        await daveEvents.WaitAsync(MessageTypes.Invite);

        balancer.Target = _b.BaseAddress;
        alice.SimulateConnectionLoss();
        await Eventually.TrueAsync(() => aliceEvents.Welcomes.Length == 2 && alice.State == ConnectionState.Connected, "alice resumed on node b");
        Assert.True(aliceEvents.Welcomes[1].Resumed);

        // The invitation held for offline erin now lives on node b and still reaches her when she connects to a.
        var (_, erinEvents) = await _a.ConnectAsync("erin");
        Assert.Equal(toErin, (await erinEvents.WaitAsync(MessageTypes.Invite)).CallId);

        // Nobody answers: the ring timers (now on node b) time both calls out, once each.
        await aliceEvents.WaitCountAsync(MessageTypes.InviteTimeout, 2, TimeSpan.FromSeconds(60));
        Assert.Equal(toDave, (await daveEvents.WaitAsync(MessageTypes.InviteTimeout, timeout: TimeSpan.FromSeconds(60))).CallId);
        Assert.Equal(toErin, (await erinEvents.WaitAsync(MessageTypes.InviteTimeout, timeout: TimeSpan.FromSeconds(60))).CallId);
        await alice.PingAsync();
        Assert.Equal(new[] { toDave, toErin }.Order(), aliceEvents.OfType(MessageTypes.InviteTimeout).Select(m => m.CallId!).Order());
        Assert.Single(daveEvents.OfType(MessageTypes.InviteTimeout));
    }
}
