using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The notice about the caller's lost session is recorded before its loop over this node's sessions runs; an adopted
/// invitation delivered in between must not spend its ignore against that notice (the loop would then end the very
/// half the ignore is for). Once the notice was applied, the ignore is spent and a later notice about that session
/// ends the call.
/// </summary>
public sealed class NoticeInFlightTests
{
    [Fact]
    public async Task An_adopted_invitation_delivered_while_its_notice_is_being_applied_survives_that_notice_once()
    {
        await using TwoNodeHarness nodes = await TwoNodeHarness.StartAsync();
        TestClient gina = await nodes.NodeB.PeerAsync("gina");
        var lost = new LostSession(new PeerId("carol"), "s-old");
        // Node B's handling of the notice published with the adoption has recorded it, its loop has not run yet.
        RtcStack.Signaling.Hub.RecentLosses.Notice notice = nodes.NodeB.Hub.Recovery.Losses.Record([lost]);
        CallState held = HeldCalls.Undelivered("c-7", "carol", "gina", nodes.NodeA.Hub.NowMs + 30_000);
        held.HolderSession = "s-old";
        await ((IBackplaneHandler)nodes.NodeA.Hub).OnInvitationsAdoptedAsync([held]);
        await gina.ReceiveAsync(m => m.Type == "invite" && m.CallId == "c-7");
        var half = nodes.NodeB.Hub.Sessions.Values.Select(s => s.GetCall("c-7")).Single(c => c is not null)!;

        Assert.False(half.EndsWhenLost("s-old"), "the notice still being applied would end the half it is ignored for");
        Assert.False(notice.IsApplied);

        // That notice's loop (played here by applying it): the half is spared once.
        var handler = (IBackplaneHandler)nodes.NodeB.Hub;
        await handler.OnSessionsLostAsync([lost]);
        Assert.NotNull(CallOnNodeB(nodes));
        // The same session lost for real later: the call ends.
        await handler.OnSessionsLostAsync([lost]);
        Assert.Null(CallOnNodeB(nodes));
    }

    private static RtcStack.Signaling.Hub.Call? CallOnNodeB(TwoNodeHarness nodes) =>
        nodes.NodeB.Hub.Sessions.Values.Select(s => s.GetCall("c-7")).SingleOrDefault(c => c is not null);
}
