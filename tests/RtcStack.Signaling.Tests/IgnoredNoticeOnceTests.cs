using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The callee's half of an adopted invitation ignores the notice about the caller's lost session once (the notice
/// published with the adoption), whether it is applied before or after the half was made. The caller's node was only
/// cut off: the adopter hands the call back to the same session, and when that session is then lost for real the next
/// notice about it ends the call (before, the half ignored every notice about that session: an accepted call stayed up
/// and its callee busy for good). Two hubs on one in-memory bus; notices are given to a hub directly.
/// </summary>
public sealed class IgnoredNoticeOnceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_handed_back_to_the_revived_holder_session_ends_when_that_session_is_lost_for_real(bool noticeFirst)
    {
        var bus = new InMemoryBackplane("node-a");
        var hooked = new HookedBackplane(bus);
        await using var a = new HubHarness(backplane: hooked);
        await using var b = new HubHarness(backplane: bus.CreateNode("node-b"));
        await a.StartAsync();
        await b.StartAsync();
        var handler = (IBackplaneHandler)a.Hub;
        TestClient gina = await a.PeerAsync("gina");
        TestClient carol = await b.PeerAsync("carol"); // on node B, which was cut off, swept, and is back
        string x = carol.Welcome!.Session!;
        var lostX = new LostSession(new PeerId("carol"), x);

        // The sweep of node B moved carol's invitation to node A (its owner was gone then) and published a notice
        // naming x, which node A applies before or after it delivers the invitation to gina.
        if (noticeFirst)
        {
            await handler.OnSessionsLostAsync([lostX]);
        }
        hooked.OwnerMissed = p => p.Value == "carol";
        CallState held = HeldCalls.Undelivered("c-5", "carol", "gina", a.Hub.NowMs + 30_000);
        held.HolderSession = x;
        await handler.OnInvitationsAdoptedAsync([held]);
        await gina.ReceiveAsync(m => m.Type == "invite" && m.CallId == "c-5");
        if (!noticeFirst)
        {
            await handler.OnSessionsLostAsync([lostX]);
        }
        Assert.True(await gina.NothingAsync(m => m.CallId == "c-5", TimeSpan.FromMilliseconds(300)), "the adoption's own notice is ignored");

        // Node B is back: node A hands the call back to carol's same session; gina accepts.
        hooked.OwnerMissed = null;
        await a.Hub.SweepAsync();
        Assert.False(a.Hub.Invitations.IsAdopted("c-5"));
        Assert.Equal("ack", (await gina.RequestAsync(new ClientMessage { Type = "accept", CallId = "c-5" })).Type);
        await carol.ReceiveAsync(m => m.Type == "accepted" && m.CallId == "c-5");

        // Node B dies for real: the notice names x again, and gina's accepted call ends, so she can be called again.
        await handler.OnSessionsLostAsync([lostX]);
        ServerMessage ended = await gina.ReceiveAsync(m => m.CallId == "c-5");
        Assert.Equal(("hangup", "carol"), (ended.Type, ended.From));
        TestClient dave = await a.PeerAsync("dave");
        string id = (await dave.RequestAsync(new ClientMessage { Type = "invite", To = "gina", Room = "r" })).CallId!;
        Assert.Equal(id, (await gina.ReceiveAsync(m => m.Type == "invite")).CallId);
    }

    [Fact]
    public async Task A_notice_about_another_session_of_the_caller_ends_the_unlinked_half()
    {
        await using TwoNodeHarness nodes = await TwoNodeHarness.StartAsync();
        var handler = (IBackplaneHandler)nodes.NodeB.Hub;
        TestClient gina = await nodes.NodeB.PeerAsync("gina");
        CallState held = HeldCalls.Undelivered("c-6", "carol", "gina", nodes.NodeA.Hub.NowMs + 30_000);
        held.HolderSession = "s-old";
        await ((IBackplaneHandler)nodes.NodeA.Hub).OnInvitationsAdoptedAsync([held]);
        await gina.ReceiveAsync(m => m.Type == "invite" && m.CallId == "c-6");

        // A notice about some other (older) session of carol: gina's half is linked to none, so it ends.
        await handler.OnSessionsLostAsync([new LostSession(new PeerId("carol"), "s-older")]);
        Assert.Equal("cancelled", (await gina.ReceiveAsync(m => m.CallId == "c-6")).Type);
    }
}
