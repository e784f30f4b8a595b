using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// A callee declines an adopted invitation, and the <c>declined</c> reaches the caller's new session on another node
/// before the adopting node handed the call back to it: the adopting node stops holding the call (the backplane's
/// end-held script tells it), so the caller's session is never handed a declined call that rings until its ring time.
/// Two hubs on one in-memory bus; the script's message is given to the adopting hub by the hooked backplane.
/// </summary>
public sealed class EarlyDeclineTests
{
    [Fact]
    public async Task A_decline_reaching_the_callers_new_session_before_the_hand_back_ends_the_adopted_copy()
    {
        var bus = new InMemoryBackplane("node-a");
        var hookedB = new HookedBackplane(bus.CreateNode("node-b"));
        await using var a = new HubHarness(backplane: bus);
        await using var b = new HubHarness(backplane: hookedB);
        await a.StartAsync();
        await b.StartAsync();
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        hookedB.OnEndHeld = async id =>
        {
            await ((IBackplaneHandler)a.Hub).OnHeldInvitationEndedAsync(id);
            ended.TrySetResult(id);
        };
        TestClient gina = await b.PeerAsync("gina"); // not on the adopter
        CallState held = HeldCalls.Undelivered("c-10", "carol", "gina", a.Hub.NowMs + 30_000);
        held.HolderSession = "s-old";
        await ((IBackplaneHandler)a.Hub).OnInvitationsAdoptedAsync([held]);
        await gina.ReceiveAsync(m => m.Type == "invite" && m.CallId == "c-10");

        // carol is back on node B; gina declines before node A's next sweep hands the call back.
        TestClient carol = await b.PeerAsync("carol");
        Assert.Equal("ack", (await gina.RequestAsync(new ClientMessage { Type = "decline", CallId = "c-10" })).Type);
        Assert.Equal("c-10", await ended.Task.WaitAsync(TimeSpan.FromSeconds(30))); // (the ack comes before the answer is sent)
        Assert.False(a.Hub.Invitations.IsAdopted("c-10"));

        await a.Hub.SweepAsync(); // nothing left to hand back
        Assert.Null(b.Hub.Sessions["carol"].GetCall("c-10"));
        Assert.True(await carol.NothingAsync(m => m.CallId == "c-10", TimeSpan.FromMilliseconds(300)));
    }
}
