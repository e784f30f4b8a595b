using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// An adopted invitation handed to its caller's session on this node while something else happens to that session
/// (driven from inside the backplane's release of the adopted copy): a hand-over of the session to another node, or an
/// <c>accepted</c> for the caller. The call must travel with the hand-over, and an answered call is never rung out.
/// </summary>
public sealed class AdoptedCallHandBackTests
{
    [Fact]
    public async Task A_session_handed_over_while_it_takes_an_adopted_call_carries_the_call_along()
    {
        var hooked = new HookedBackplane(new InMemoryBackplane("node-a"));
        await using var h = new HubHarness(backplane: hooked);
        await h.StartAsync();
        TestClient bob = await h.PeerAsync("bob");
        string sessionId = h.Hub.Sessions["bob"].Id;
        ResumeState? state = null;
        hooked.BeforeRelease = async id =>
        {
            if (id == "c-1" && state is null)
            {
                // Another node takes bob's session over while this node moves the adopted call to it.
                state = await ((IBackplaneHandler)h.Hub).OnHandoverRequestedAsync(new PeerId("bob"), sessionId);
            }
        };
        await ((IBackplaneHandler)h.Hub).OnInvitationsAdoptedAsync([HeldCalls.Delivered("c-1", "bob", "gina", h.Hub.NowMs + 30_000)]);
        await h.Hub.SweepAsync();

        Assert.NotNull(state);
        Assert.Contains(state.Calls, c => c.Id == "c-1");
        GC.KeepAlive(bob);
    }

    [Fact]
    public async Task An_accepted_that_reaches_the_caller_while_its_adopted_call_moves_to_its_session_is_kept()
    {
        var hooked = new HookedBackplane(new InMemoryBackplane("node-a"));
        await using var h = new HubHarness(backplane: hooked);
        await h.StartAsync();
        TestClient bob = await h.PeerAsync("bob");
        bool sent = false;
        hooked.BeforeRelease = async id =>
        {
            if (id == "c-2" && !sent)
            {
                sent = true;
                var accepted = new ServerMessage { Type = MessageTypes.Accepted, CallId = "c-2", From = "gina" };
                await ((IBackplaneHandler)h.Hub).OnEnvelopeAsync(new PeerId("bob"), BackplaneEnvelope.Create(accepted));
            }
        };
        await ((IBackplaneHandler)h.Hub).OnInvitationsAdoptedAsync([HeldCalls.Delivered("c-2", "bob", "gina", h.Hub.NowMs + 30_000)]);
        await h.Hub.SweepAsync();
        Assert.True(sent);
        Assert.Equal("c-2", (await bob.ReceiveAsync(m => m.Type == "accepted")).CallId);

        h.Time.Advance(TimeSpan.FromSeconds(31));
        await h.Hub.SweepAsync();
        await h.Hub.SweepAsync();
        Assert.True(await bob.NothingAsync(m => m.Type == "invite-timeout", TimeSpan.FromMilliseconds(300)));
        // bob's session has the answered call: hanging up is accepted.
        Assert.Equal("ack", (await bob.RequestAsync(new ClientMessage { Type = "hangup", CallId = "c-2" })).Type);
    }
}
