using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// Held invitations after another node's death or this node's return (backplane reports driven directly, manual
/// clock): an adopted call past its ring time is never handed back; an adopted call answered on another node is no
/// longer held; a node presumed dead stops holding the invitations a survivor adopted, and takes each back from the
/// survivor with whatever the survivor did with it.
/// </summary>
public sealed class HeldInvitationRecoveryTests : BackplaneReportTests
{
    [Fact]
    public async Task An_adopted_invitation_past_its_ring_time_is_not_handed_to_its_caller()
    {
        TestClient bob = await H.PeerAsync("bob");
        // A stale copy: the ring time is over (bob may have heard the call end long ago).
        await Handler.OnInvitationsAdoptedAsync([Held("c-1", "bob", "gina", H.Hub.NowMs - 1)]);
        await H.Hub.SweepAsync();

        Assert.Equal(ErrorCodes.UnknownCall, (await bob.RequestAsync(new ClientMessage { Type = "cancel", CallId = "c-1" })).Code);
        Assert.True(await bob.NothingAsync(m => m.CallId == "c-1", TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task An_adopted_invitation_answered_on_another_node_is_not_handed_to_its_caller()
    {
        await Handler.OnInvitationsAdoptedAsync([Held("c-2", "bob", "gina", H.Hub.NowMs + 30_000)]);
        // gina (on another node) declined while bob had no session: that node tells this one.
        await Handler.OnHeldInvitationEndedAsync("c-2");

        TestClient bob = await H.PeerAsync("bob");
        await H.Hub.SweepAsync();
        Assert.Equal(ErrorCodes.UnknownCall, (await bob.RequestAsync(new ClientMessage { Type = "cancel", CallId = "c-2" })).Code);
        TestClient gina = await H.PeerAsync("gina");
        Assert.True(await gina.NothingAsync(m => m.CallId == "c-2", TimeSpan.FromMilliseconds(200)));
        H.Time.Advance(TimeSpan.FromSeconds(31));
        await H.Hub.SweepAsync();
        Assert.True(await bob.NothingAsync(m => m.CallId == "c-2", TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Invitations_a_survivor_adopted_are_not_delivered_again_and_come_back_with_what_the_survivor_did()
    {
        TestClient bob = await H.PeerAsync("bob");
        string delivered = (await bob.RequestAsync(new ClientMessage { Type = "invite", To = "gina", Room = "r" })).CallId!;
        string pending = (await bob.RequestAsync(new ClientMessage { Type = "invite", To = "hank", Room = "r" })).CallId!;
        // This node was presumed dead: a survivor adopted both and delivered the first to gina meanwhile.
        await Handler.OnHeldInvitationsTakenAsync([delivered, pending]);

        TestClient gina = await H.PeerAsync("gina");
        await H.Hub.SweepAsync();
        Assert.True(await gina.NothingAsync(m => m.Type == "invite", TimeSpan.FromMilliseconds(200)));

        // The survivor hands both back to bob's session (which kept the calls).
        CallState first = Held(delivered, "bob", "gina", H.Hub.NowMs + 30_000);
        first.Delivered = true;
        Assert.True(await Handler.OnEnvelopeAsync(new PeerId("bob"), Handed(first)));
        Assert.True(await Handler.OnEnvelopeAsync(new PeerId("bob"), Handed(Held(pending, "bob", "hank", H.Hub.NowMs + 30_000))));

        // The undelivered one is held here again and reaches hank; the delivered one is not sent to gina again.
        TestClient hank = await H.PeerAsync("hank");
        Assert.Equal(pending, (await hank.ReceiveAsync(m => m.Type == "invite")).CallId);
        await H.Hub.SweepAsync();
        Assert.True(await gina.NothingAsync(m => m.Type == "invite", TimeSpan.FromMilliseconds(200)));
        Assert.True(await hank.NothingAsync(m => m.Type == "invite", TimeSpan.FromMilliseconds(100)));
        // bob's session still owns both: cancelling the delivered one tells gina (it was delivered).
        Assert.Equal("ack", (await bob.RequestAsync(new ClientMessage { Type = "cancel", CallId = delivered })).Type);
    }

    /// <summary>
    /// The caller of an adopted invitation is back on this node, but the owner lookup does not find its new session (a
    /// read that misses the write, as under a Redis fallback). Its session must still take the call: rung out to it
    /// (and to the callee) at the ring time, not to the callee alone.
    /// </summary>
    [Fact]
    public async Task An_adopted_invitation_goes_to_its_callers_session_here_even_when_the_owner_lookup_misses_it()
    {
        var hooked = new HookedBackplane(new InMemoryBackplane("node-a")) { OwnerMissed = p => p.Value == "bob" };
        await using var h = new HubHarness(backplane: hooked);
        await h.StartAsync();
        TestClient bob = await h.PeerAsync("bob");
        TestClient gina = await h.PeerAsync("gina");
        await ((IBackplaneHandler)h.Hub).OnInvitationsAdoptedAsync([Held("c-5", "bob", "gina", h.Hub.NowMs + 30_000)]);
        await h.Hub.SweepAsync();
        Assert.Equal("c-5", (await gina.ReceiveAsync(m => m.Type == "invite")).CallId);

        h.Time.Advance(TimeSpan.FromSeconds(31));
        await h.Hub.SweepAsync();
        Assert.Equal("c-5", (await bob.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        Assert.Equal("c-5", (await gina.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        await h.Hub.SweepAsync();
        Assert.True(await bob.NothingAsync(m => m.CallId == "c-5", TimeSpan.FromMilliseconds(200)));
        Assert.True(await gina.NothingAsync(m => m.CallId == "c-5", TimeSpan.FromMilliseconds(100)));
    }

    /// <summary>
    /// The notice that the dead node's sessions are lost and the adoption of its invitations race: applied after the
    /// adopted invitation reached its callee, the notice must leave that call alone (it used to cancel it for the callee
    /// and drop the adopted copy, so the call never rang out). It rings out once at the ring time.
    /// </summary>
    [Fact]
    public async Task A_lost_peer_notice_applied_after_an_adopted_invitation_reached_its_callee_leaves_it_to_ring_out()
    {
        TestClient gina = await H.PeerAsync("gina");
        await Handler.OnInvitationsAdoptedAsync([Held("c-6", "carol", "gina", H.Hub.NowMs + 30_000)]);
        Assert.Equal("c-6", (await gina.ReceiveAsync(m => m.Type == "invite")).CallId);

        await Handler.OnPeersLostAsync([new PeerId("carol")]);
        Assert.True(await gina.NothingAsync(m => m.CallId == "c-6", TimeSpan.FromMilliseconds(200)));
        H.Time.Advance(TimeSpan.FromSeconds(31));
        await H.Hub.SweepAsync();
        Assert.Equal("c-6", (await gina.ReceiveAsync(m => m.Type == "invite-timeout")).CallId);
        await H.Hub.SweepAsync();
        Assert.True(await gina.NothingAsync(m => m.CallId == "c-6", TimeSpan.FromMilliseconds(200)));
    }

    private static BackplaneEnvelope Handed(CallState call)
    {
        var envelope = BackplaneEnvelope.Create(new ServerMessage { Type = MessageTypes.Invite, CallId = call.Id });
        envelope.Call = call;
        return envelope;
    }
}
