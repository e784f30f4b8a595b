using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// A lost-session notice applied late (the node missed it while cut off and read it from the stream afterwards) ends
/// only the calls with the session that was lost: calls made with the peer's new session, and an adopted call handed
/// back to it, carry on; a notice about the new session ends them. Two hubs on one in-memory bus; the notices are
/// given to a hub directly, as its backplane would.
/// </summary>
public sealed class LateLostNoticeTests : IAsyncLifetime
{
    private static readonly PeerId Carol = new("carol");
    private TwoNodeHarness _nodes = null!;

    public async Task InitializeAsync() => _nodes = await TwoNodeHarness.StartAsync();

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_late_notice_about_a_peers_old_session_leaves_the_calls_made_with_its_new_session()
    {
        TestClient gina = await _nodes.NodeA.PeerAsync("gina");
        TestClient carol = await _nodes.NodeB.PeerAsync("carol"); // carol's new session (her old one was lost with its node)
        string carolSession = carol.Welcome!.Session!;

        // gina calls carol (it rings), and carol calls gina (gina accepts).
        string fromGina = (await gina.RequestAsync(new ClientMessage { Type = "invite", To = "carol", Room = "r" })).CallId!;
        await carol.ReceiveAsync(m => m.Type == "invite" && m.CallId == fromGina);
        string fromCarol = (await carol.RequestAsync(new ClientMessage { Type = "invite", To = "gina", Room = "r" })).CallId!;
        await gina.ReceiveAsync(m => m.Type == "invite" && m.CallId == fromCarol);
        Assert.Equal("ack", (await gina.RequestAsync(new ClientMessage { Type = "accept", CallId = fromCarol })).Type);
        await carol.ReceiveAsync(m => m.Type == "accepted" && m.CallId == fromCarol);

        await ((IBackplaneHandler)_nodes.NodeA.Hub).OnSessionsLostAsync([new LostSession(Carol, "s-old")]);
        Assert.True(await gina.NothingAsync(m => m.CallId is not null, TimeSpan.FromMilliseconds(300)));

        // A notice about the session the calls are with ends both, as when that session ends.
        await ((IBackplaneHandler)_nodes.NodeA.Hub).OnSessionsLostAsync([new LostSession(Carol, carolSession)]);
        var ended = new Dictionary<string, ServerMessage>();
        while (ended.Count < 2)
        {
            ServerMessage m = await gina.ReceiveAsync(m => m.CallId == fromCarol || m.CallId == fromGina);
            Assert.True(ended.TryAdd(m.CallId!, m), $"one message per call, got {m.Type} for {m.CallId} again");
        }
        Assert.Equal(("hangup", "carol"), (ended[fromCarol].Type, ended[fromCarol].From));
        Assert.Equal(("declined", "gone"), (ended[fromGina].Type, ended[fromGina].Reason));
    }

    [Fact]
    public async Task A_late_notice_about_the_lost_caller_leaves_an_adopted_call_handed_back_to_its_new_session()
    {
        // Node A adopted carol's invitation to gina from carol's dead node (session s-old) and delivered it.
        TestClient gina = await _nodes.NodeB.PeerAsync("gina");
        long expiresAt = _nodes.NodeA.Hub.NowMs + 30_000;
        CallState held = HeldCalls.Undelivered("c-1", "carol", "gina", expiresAt);
        held.HolderSession = "s-old";
        await ((IBackplaneHandler)_nodes.NodeA.Hub).OnInvitationsAdoptedAsync([held]);
        await gina.ReceiveAsync(m => m.Type == "invite" && m.CallId == "c-1");

        // carol is back with a new session on node B, which the call is handed back to.
        TestClient carol = await _nodes.NodeB.PeerAsync("carol");
        await _nodes.NodeA.Hub.SweepAsync();
        Assert.Null(_nodes.NodeA.Hub.Sessions.GetValueOrDefault("carol"));

        // Node B applies the notice about carol's lost session late: gina's call rings on.
        await ((IBackplaneHandler)_nodes.NodeB.Hub).OnSessionsLostAsync([new LostSession(Carol, "s-old")]);
        Assert.True(await gina.NothingAsync(m => m.CallId == "c-1", TimeSpan.FromMilliseconds(300)));
        Assert.Equal("ack", (await gina.RequestAsync(new ClientMessage { Type = "ringing", CallId = "c-1" })).Type);
        await carol.ReceiveAsync(m => m.Type == "ringing" && m.CallId == "c-1");

        // Lost with carol's new session, the call ends for gina.
        await ((IBackplaneHandler)_nodes.NodeB.Hub).OnSessionsLostAsync([new LostSession(Carol, carol.Welcome!.Session)]);
        Assert.Equal("carol", (await gina.ReceiveAsync(m => m.Type == "cancelled" && m.CallId == "c-1")).From);
    }

    [Fact]
    public async Task A_notice_that_names_no_session_ends_every_call_with_the_peer()
    {
        TestClient gina = await _nodes.NodeA.PeerAsync("gina");
        TestClient carol = await _nodes.NodeB.PeerAsync("carol");
        string call = (await carol.RequestAsync(new ClientMessage { Type = "invite", To = "gina", Room = "r" })).CallId!;
        await gina.ReceiveAsync(m => m.Type == "invite" && m.CallId == call);

        await ((IBackplaneHandler)_nodes.NodeA.Hub).OnSessionsLostAsync([new LostSession(Carol, null)]);
        Assert.Equal("carol", (await gina.ReceiveAsync(m => m.Type == "cancelled" && m.CallId == call)).From);
    }
}
