using System.Net.WebSockets;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>A hello taking a session over from another node, when that node is dead or the backplane fails.</summary>
public sealed class TakeoverTests
{
    /// <summary>
    /// Two hellos of one peer at once on a node: a client gave up waiting for its first welcome while that takeover
    /// waited for a dead owner node, and connected again. The later hello's session must be the node's session of the
    /// peer (the earlier one ended, replaced), never overwritten by the earlier hello finishing last.
    /// </summary>
    [Fact]
    public async Task A_hello_that_finishes_while_another_of_the_same_peer_waits_for_a_dead_owner_does_not_orphan_the_later_session()
    {
        await using DeadOwner dead = await DeadOwner.StartAsync();
        HubHarness h = dead.H;

        TestClient first = await h.ConnectAsync();
        await dead.SendHelloAsync(first);
        await dead.HandoverRequested;
        TestClient second = await h.ConnectAsync();
        Task<ServerMessage> secondWelcome = second.HelloAsync(h.Token("bob"));
        await Task.WhenAny(secondWelcome, Task.Delay(200));
        dead.Release();

        ServerMessage welcome = await secondWelcome;
        // The first hello finished first (its welcome), then the second replaced its session.
        Assert.Equal("welcome", (await first.ReceiveAsync(m => m.Type == "welcome")).Type);
        Assert.Equal((WebSocketCloseStatus)CloseCodes.Replaced, await first.WaitClosedAsync());
        Assert.True(h.Hub.Sessions.TryGetValue("bob", out Hub.Session? current));
        Assert.Equal(welcome.Session, current.Id);
        Assert.Equal("pong", (await second.RequestAsync(new ClientMessage { Type = "ping" })).Type);
    }

    /// <summary>
    /// A hello of a peer waits behind another hello of that peer (held by a takeover waiting for a dead owner) and its
    /// socket is closed meanwhile by the hello timeout. It must not run once the gate frees: run late, it would replace
    /// the session the client holds over its live connection (closing that socket with Replaced).
    /// </summary>
    [Fact]
    public async Task A_queued_hello_whose_connection_closed_does_not_run_and_replace_the_live_session()
    {
        await using DeadOwner dead = await DeadOwner.StartAsync();
        HubHarness h = dead.H;

        // The late connection is opened first, so that the hello timeout closes it and not the live one.
        TestClient late = await h.ConnectAsync();
        await Task.Delay(100);
        string lateId = Assert.Single(h.Hub.Connections.Keys);
        h.Time.Advance(TimeSpan.FromMilliseconds(h.Options.HelloTimeoutMs));
        TestClient live = await h.ConnectAsync();
        await dead.SendHelloAsync(live);
        await dead.HandoverRequested;
        await dead.SendHelloAsync(late);
        await Task.Delay(200); // lets it reach the gate (were it later, it would find its connection closed)
        h.Time.Advance(TimeSpan.FromMilliseconds(2));
        await h.Hub.SweepAsync();
        Assert.Equal(ErrorCodes.ProtocolViolation, (await late.ReceiveAsync(m => m.Type == "error")).Code);

        dead.Release();
        ServerMessage welcome = await live.ReceiveAsync(m => m.Type == "welcome");
        // The late hello has returned once its connection is gone from the hub (its receive loop awaits it).
        for (int i = 0; i < 800 && h.Hub.Connections.ContainsKey(lateId); i++)
        {
            await Task.Delay(25);
        }
        Assert.False(h.Hub.Connections.ContainsKey(lateId));
        Assert.True(h.Hub.Sessions.TryGetValue("bob", out Hub.Session? current));
        Assert.Equal(welcome.Session, current.Id);
        Assert.Equal("pong", (await live.RequestAsync(new ClientMessage { Type = "ping" })).Type);
        Assert.Null(live.CloseStatus);
    }

    /// <summary>
    /// A peer is reported lost while a session with an invitation to it is handed over; ending that call after the
    /// install fails in the backplane (releasing the held invitation). The resume still succeeds, and the caller hears
    /// the call ended.
    /// </summary>
    [Fact]
    public async Task A_resume_succeeds_when_ending_a_handed_over_call_with_a_lost_peer_fails_in_the_backplane()
    {
        var bus = new InMemoryBackplane("node-a");
        var hooked = new HookedBackplane(bus.CreateNode("node-b"));
        await using var nodeA = new HubHarness(backplane: bus);
        await using var nodeB = new HubHarness(backplane: hooked);
        await nodeA.StartAsync();
        await nodeB.StartAsync();
        TestClient alice = await nodeA.PeerAsync("alice");
        // carol is offline: the invitation is held with alice's session.
        string call = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "carol", Room = "r" })).CallId!;
        long seen = alice.LastSeq;
        alice.Socket.Abort();
        await nodeA.WaitDetachedAsync("alice");

        hooked.BeforeHandover = async _ =>
        {
            await nodeB.Hub.Recovery.OnPeersLostAsync([new PeerId("carol")]); // reported while the session is on its way
            return true;
        };
        hooked.ReleaseFailure = _ => new InvalidOperationException("the backplane failed");
        TestClient moved = await nodeB.ConnectAsync();
        Assert.True((await moved.HelloAsync(nodeB.Token("alice"), alice.Welcome!.ResumeToken, seen)).Resumed);

        ServerMessage declined = await moved.ReceiveAsync(m => m.Type == "declined");
        Assert.Equal((call, "carol", "gone"), (declined.CallId, declined.From, declined.Reason));
        Assert.Null(nodeB.Hub.Sessions["alice"].GetCall(call));
        Assert.Equal("pong", (await moved.RequestAsync(new ClientMessage { Type = "ping" })).Type);
    }

    /// <summary>
    /// Peers are reported lost and releasing the held invitations of the calls with them fails in the backplane: every
    /// such call still ends (each session hears it), not only the calls before the first failure.
    /// </summary>
    [Fact]
    public async Task Every_call_with_a_lost_peer_ends_when_releasing_held_invitations_fails()
    {
        var hooked = new HookedBackplane(new InMemoryBackplane("node-a"));
        await using var h = new HubHarness(backplane: hooked);
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        // carol and dave are offline: the invitations are held.
        string[] aliceCalls =
        [
            (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "carol", Room = "r" })).CallId!,
            (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "dave", Room = "r" })).CallId!,
        ];
        string bobCall = (await bob.RequestAsync(new ClientMessage { Type = "invite", To = "dave", Room = "r" })).CallId!;
        hooked.ReleaseFailure = _ => new InvalidOperationException("the backplane failed");

        await h.Hub.Recovery.OnPeersLostAsync([new PeerId("carol"), new PeerId("dave")]);

        var declined = new HashSet<string>
        {
            (await alice.ReceiveAsync(m => m.Type == "declined")).CallId!,
            (await alice.ReceiveAsync(m => m.Type == "declined")).CallId!,
        };
        Assert.Equal(aliceCalls.ToHashSet(), declined);
        Assert.Equal(bobCall, (await bob.ReceiveAsync(m => m.Type == "declined")).CallId);
        Assert.Empty(h.Hub.Sessions["alice"].Calls());
        Assert.Empty(h.Hub.Sessions["bob"].Calls());
    }

    /// <summary>
    /// A started hub whose first owner lookup of bob finds his session on a dead node (by the next lookup a sweep removed
    /// it), and whose handover to that node waits until <see cref="Release"/>, then gets no answer.
    /// </summary>
    private sealed class DeadOwner : IAsyncDisposable
    {
        private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _lookups;

        private DeadOwner() => H = new HubHarness(backplane: new HookedBackplane(new InMemoryBackplane("node-a"))
        {
            OwnerLookup = p => p.Value == "bob" && Interlocked.Increment(ref _lookups) == 1 ? new SessionOwner("node-dead", "s-dead") : null,
            BeforeHandover = async _ =>
            {
                _requested.TrySetResult();
                await _release.Task;
                return false;
            },
        });

        public HubHarness H { get; }

        /// <summary>Completes once a hello asked the dead node for bob's session.</summary>
        public Task HandoverRequested => _requested.Task.WaitAsync(TestClient.Timeout);

        public static async Task<DeadOwner> StartAsync()
        {
            var dead = new DeadOwner();
            await dead.H.StartAsync();
            return dead;
        }

        /// <summary>Sends bob's hello without waiting for the welcome.</summary>
        public Task SendHelloAsync(TestClient client) =>
            client.SendAsync(new ClientMessage { Type = "hello", Id = client.NextId(), V = 1, Token = H.Token("bob") });

        /// <summary>The dead node's handover gets no answer from now on.</summary>
        public void Release() => _release.TrySetResult();

        public async ValueTask DisposeAsync()
        {
            Release();
            await H.DisposeAsync();
        }
    }
}
