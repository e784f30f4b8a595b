using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>Ring timers and a session handed over to another node at the same moment.</summary>
public sealed class CallHandoverTests
{
    /// <summary>
    /// The exact interleaving that used to send <c>invite-timeout</c> twice: node A's sweep reads the caller's
    /// session (not ended yet), the session is handed over to node B with its ringing call, then A's sweep rings
    /// the call out on the session it read, and B rings it out too. The callee must get one timeout. A's ring-out
    /// step is called directly on the session it read, so the test does not depend on thread timing.
    /// </summary>
    [Fact]
    public async Task A_ring_timeout_racing_a_handover_reaches_the_callee_once()
    {
        await using TwoNodeHarness nodes = await TwoNodeHarness.StartAsync();
        (HubHarness nodeA, HubHarness nodeB) = (nodes.NodeA, nodes.NodeB);
        (TestClient alice, TestClient bob) = await nodes.AliceOnAAndBobOnBInRoomAsync();
        string call = (await alice.RequestAsync(new ClientMessage { Type = "invite", To = "bob", Room = "r" })).CallId!;
        Assert.Equal(call, (await bob.ReceiveAsync(m => m.Type == "invite")).CallId);

        // What node A's sweep holds when it starts: the caller's session, not yet ended.
        Session readBySweep = nodeA.Hub.Sessions["alice"];
        long seen = alice.LastSeq;
        alice.Socket.Abort();
        await nodeA.WaitDetachedAsync("alice");
        TestClient moved = await nodeB.ConnectAsync();
        Assert.True((await moved.HelloAsync(nodeB.Token("alice"), alice.Welcome!.ResumeToken, seen)).Resumed);
        Assert.NotNull(nodeB.Hub.Sessions["alice"].GetCall(call));

        // Both clocks pass the ring time; A finishes the sweep it started before the handover, B sweeps.
        TimeSpan pastRing = TimeSpan.FromMilliseconds(nodeA.Options.RingTimeoutMs + 1000);
        nodeA.Time.Advance(pastRing);
        nodeB.Time.Advance(pastRing);
        await nodeA.Hub.Sweeper.RingOutAsync(readBySweep, nodeA.Time.GetUtcNow().ToUnixTimeMilliseconds());
        await nodeB.Hub.SweepAsync();

        Assert.Equal(call, (await moved.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        // A marker sent after both ring-outs: everything for bob before it is in his inbox, in order.
        await moved.RequestAsync(new ClientMessage { Type = "message", Room = "r", To = "bob", Data = System.Text.Json.JsonDocument.Parse("\"marker\"").RootElement.Clone() });
        int timeouts = 0;
        await bob.ReceiveAsync(m =>
        {
            timeouts += m.Type == "invite-timeout" && m.CallId == call ? 1 : 0;
            return m.Type == "message" && m.Data?.GetString() == "marker";
        });
        Assert.Equal(1, timeouts);
        Assert.True(await moved.NothingAsync(m => m.Type == "invite-timeout", TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void A_handed_over_session_gives_up_none_of_its_calls()
    {
        var claims = new Tokens.PeerClaims("alice", ["*"], Tokens.Permissions.Publish, DateTimeOffset.MaxValue);
        var session = new Session(new PeerId("alice"), "s1", claims, 16);
        session.AddCall(new Call("c1", "bob", "r", outgoing: true, expiresAt: 0));
        ResumeState state = session.HandOver();
        Assert.Single(state.Calls);
        Assert.Null(session.RemoveCall("c1"));
        Session moved = Session.FromResumeState(new PeerId("alice"), claims, state, 16, long.MaxValue);
        Assert.NotNull(moved.RemoveCall("c1"));
    }
}
