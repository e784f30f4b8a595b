using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Server.Tests.Protocol;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>Two server nodes sharing rooms through a real redis-server on a free loopback port.</summary>
public class TwoNodeTests : IAsyncLifetime
{
    /// <summary>Extra settings for the node(s) (the epoll engine's run of these tests sets the engine).</summary>
    protected virtual string[] Settings => [Engine.EngineSettings.Kestrel];

    private RedisServerProcess _redis = null!;
    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServerProcess.StartNewAsync();
        _a = await StartNodeAsync();
        _b = await StartNodeAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            Engine.EngineSettings.AssertServed(_a.Services, Settings);
            Engine.EngineSettings.AssertServed(_b.Services, Settings);
        }
        finally
        {
            // Every node and the redis-server child are stopped even when an assertion (or a dispose) fails.
            try
            {
                await _a.DisposeAsync();
            }
            finally
            {
                try
                {
                    await _b.DisposeAsync();
                }
                finally
                {
                    await _redis.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task Presence_and_signals_cross_nodes()
    {
        var (alice, aliceEvents) = await _a.ConnectAsync("alice");
        var (bob, bobEvents) = await _b.ConnectAsync("bob");
        await alice.JoinAsync("shared", Json.Parse("""{"node":"a"}"""));
        var joined = await bob.JoinAsync("shared");
        Assert.Equal("alice", Assert.Single(joined.Members!).Peer);
        Assert.Equal("bob", (await aliceEvents.WaitAsync(MessageTypes.MemberJoined)).Peer);

        await alice.SendOfferAsync("shared", "bob", "v=0 from a");
        Assert.Equal(("alice", "v=0 from a"), ((await bobEvents.WaitAsync(MessageTypes.Offer)).From, (await bobEvents.WaitAsync(MessageTypes.Offer)).Sdp));
        await bob.SendAnswerAsync("shared", "alice", "v=0 from b");
        Assert.Equal("bob", (await aliceEvents.WaitAsync(MessageTypes.Answer)).From);
        await bob.SendMessageAsync("shared", Json.Parse("\"hello all\""));
        Assert.Equal("hello all", (await aliceEvents.WaitAsync(MessageTypes.Message)).Data!.Value.GetString());

        await bob.UpdateAsync("shared", Json.Parse("""{"muted":true}"""));
        Assert.Equal("bob", (await aliceEvents.WaitAsync(MessageTypes.MemberUpdated)).Peer);
        await bob.LeaveAsync("shared");
        Assert.Equal(("bob", "left"), ((await aliceEvents.WaitAsync(MessageTypes.MemberLeft)).Peer, (await aliceEvents.WaitAsync(MessageTypes.MemberLeft)).Reason));
    }

    [Fact]
    public async Task Invitations_cross_nodes()
    {
        var (alice, aliceEvents) = await _a.ConnectAsync("alice");
        var (bob, bobEvents) = await _b.ConnectAsync("bob");
        string callId = await alice.InviteAsync("bob", "call");
        Assert.Equal(callId, (await bobEvents.WaitAsync(MessageTypes.Invite)).CallId);
        await bob.RingingAsync(callId);
        await aliceEvents.WaitAsync(MessageTypes.Ringing);
        await bob.AcceptAsync(callId);
        await aliceEvents.WaitAsync(MessageTypes.Accepted);

        var (carol, carolEvents) = await _a.ConnectAsync("carol");
        string second = await carol.InviteAsync("bob", "call");
        Assert.Equal((second, "busy"), ((await carolEvents.WaitAsync(MessageTypes.Declined)).CallId, (await carolEvents.WaitAsync(MessageTypes.Declined)).Reason));

        await bob.HangupAsync(callId);
        Assert.Equal(callId, (await aliceEvents.WaitAsync(MessageTypes.Hangup)).CallId);
    }

    [Fact]
    public async Task An_invitation_held_on_one_node_reaches_a_callee_that_connects_to_the_other()
    {
        var (alice, aliceEvents) = await _a.ConnectAsync("alice");
        string callId = await alice.InviteAsync("dave", "call");
        var (dave, daveEvents) = await _b.ConnectAsync("dave");
        Assert.Equal(callId, (await daveEvents.WaitAsync(MessageTypes.Invite)).CallId);
        await dave.AcceptAsync(callId);
        Assert.Equal(callId, (await aliceEvents.WaitAsync(MessageTypes.Accepted)).CallId);
    }

    [Fact]
    public async Task A_session_resumes_on_the_other_node_with_every_message_in_order()
    {
        await using var balancer = new LoadBalancer(_a.BaseAddress);
        var (alice, _) = await _a.ConnectAsync("alice");
        var bob = _a.Client("bob", o =>
        {
            o.ServerUri = balancer.WebSocketUri;
            o.ReconnectBaseDelay = TimeSpan.FromMilliseconds(300);
        });
        var bobEvents = new EventLog(bob);
        await bob.ConnectAsync();
        await alice.JoinAsync("r");
        await bob.JoinAsync("r");
        for (int i = 0; i < 5; i++)
        {
            await alice.SendMessageAsync("r", Json.Parse(I(i)), to: "bob");
        }

        await bobEvents.WaitCountAsync(MessageTypes.Message, 5);
        balancer.Paused = true;
        balancer.Target = _b.BaseAddress;
        bob.SimulateConnectionLoss();
        await Eventually.TrueAsync(() => bob.State == ConnectionState.Reconnecting, "bob reconnecting");
        for (int i = 5; i < 30; i++)
        {
            await alice.SendMessageAsync("r", Json.Parse(I(i)), to: "bob");
        }

        // Messages sent while bob was away were buffered on node a; node b takes the session over.
        balancer.Paused = false;

        await Eventually.TrueAsync(() => bobEvents.Welcomes.Length == 2, "bob welcomed by node b");
        Assert.True(bobEvents.Welcomes[1].Resumed);
        Assert.Equal(bobEvents.Welcomes[0].Session, bobEvents.Welcomes[1].Session);
        for (int i = 30; i < 40; i++)
        {
            await alice.SendMessageAsync("r", Json.Parse(I(i)), to: "bob");
        }

        await bobEvents.WaitCountAsync(MessageTypes.Message, 40);
        await bob.SendMessageAsync("r", Json.Parse("\"from b\""), to: "alice");
        await bob.PingAsync();
        Assert.Equal(Enumerable.Range(0, 40), bobEvents.OfType(MessageTypes.Message).Select(m => m.Data!.Value.GetInt32()));
        var seqs = bobEvents.Messages.Select(m => m.Seq!.Value).ToArray();
        Assert.Equal(Enumerable.Range(1, seqs.Length).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Redis_down_makes_nodes_not_ready_but_local_rooms_keep_working_and_ready_returns_with_redis()
    {
        Assert.Equal(200, await _a.GetStatusAsync("/readyz"));
        var (alice, _) = await _a.ConnectAsync("alice");
        var (carol, carolEvents) = await _a.ConnectAsync("carol");
        await alice.JoinAsync("local");
        await carol.JoinAsync("local");

        await _redis.StopAsync();
        await Eventually.TrueAsync(async () => await _a.GetStatusAsync("/readyz") == 503 && await _b.GetStatusAsync("/readyz") == 503, "both nodes not ready");
        Assert.Equal(200, await _a.GetStatusAsync("/healthz"));

        await alice.SendMessageAsync("local", Json.Parse("\"while redis is down\""), to: "carol");
        Assert.Equal("while redis is down", (await carolEvents.WaitAsync(MessageTypes.Message)).Data!.Value.GetString());
        var (dan, _) = await _a.ConnectAsync("dan");
        await dan.JoinAsync("local");
        await carolEvents.WaitAsync(MessageTypes.MemberJoined, m => m.Peer == "dan");

        await _redis.StartAsync();
        await Eventually.TrueAsync(async () => await _a.GetStatusAsync("/readyz") == 200 && await _b.GetStatusAsync("/readyz") == 200, "both nodes ready again");

        var (bob, _) = await _b.ConnectAsync("bob");
        var joined = await bob.JoinAsync("local");
        Assert.Equal(["alice", "carol", "dan"], joined.Members!.Select(m => m.Peer).Order());
        await bob.SendMessageAsync("local", Json.Parse("\"from node b\""), to: "carol");
        await carolEvents.WaitAsync(MessageTypes.Message, m => m.From == "bob");
        Assert.Equal(ConnectionState.Connected, alice.State);
    }

    private Task<TestNode> StartNodeAsync() => TestNode.StartAsync(["Redis=" + _redis.ConnectionString, .. Settings]);

    private static string I(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
