using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// A node process killed abruptly (real redis-server, one node in its own process, one in this one): the rooms on
/// the survivor are told its peers left, its Redis state goes away, and its clients that come back with a resume
/// token get a new session on the survivor instead of hanging.
/// </summary>
// A ring time far above the sweep delay: calls still ringing when the node dies end by the sweep, not by timeout.
public sealed class NodeDeathTests() : DoomedNodeTests("RingTimeoutMs=300000")
{
    [Fact]
    public async Task A_killed_nodes_peers_leave_their_rooms_end_their_calls_and_a_resume_there_starts_a_new_session()
    {
        await using var balancer = new LoadBalancer(Doomed.BaseAddress);
        var (alice, aliceEvents) = await Survivor.ConnectAsync("alice");
        await alice.JoinAsync("r");
        var (bob, bobEvents) = await Survivor.ConnectViaAsync(balancer, "bob");
        await bob.JoinAsync("r");
        // carol does not come back: only the liveness sweep can remove her.
        var (carol, carolEvents) = await Survivor.ConnectViaAsync(balancer, "carol", o => o.AutoReconnect = false);
        await carol.JoinAsync("r");
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.MemberJoined).Length == 2, "alice sees bob and carol join");
        // alice is in a call with bob when his node dies.
        string callId = await alice.InviteAsync("bob", "r");
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == callId), "bob is invited");
        await bob.AcceptAsync(callId);
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Accepted).Any(m => m.CallId == callId), "alice sees the call accepted");
        // dave and frank (on the survivor) share no room with carol: dave is in a call with her, she rings frank.
        var (dave, daveEvents) = await Survivor.ConnectAsync("dave");
        string daveCall = await dave.InviteAsync("carol", "elsewhere");
        await Eventually.TrueAsync(() => carolEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == daveCall), "carol is invited by dave");
        await carol.AcceptAsync(daveCall);
        await Eventually.TrueAsync(() => daveEvents.OfType(MessageTypes.Accepted).Any(m => m.CallId == daveCall), "dave sees his call accepted");
        var (_, frankEvents) = await Survivor.ConnectAsync("frank");
        string frankCall = await carol.InviteAsync("frank", "other");
        await Eventually.TrueAsync(() => frankEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == frankCall), "frank is rung by carol");

        balancer.Target = Survivor.BaseAddress;
        await Doomed.KillAsync();

        await Eventually.TrueAsync(
            () => LeftPeers(aliceEvents).Contains("bob") && LeftPeers(aliceEvents).Contains("carol"),
            "alice is told bob and carol left",
            TimeSpan.FromSeconds(90));
        Assert.All(aliceEvents.OfType(MessageTypes.MemberLeft), m => Assert.Equal("timeout", m.Reason));
        // The call ends on alice's side as if bob had hung up: she gets hangup and is no longer busy.
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == callId && m.From == "bob"), "alice's call with bob ends");
        // So do calls with no room in common: dave's accepted call is hung up, frank's ringing invitation cancelled.
        await Eventually.TrueAsync(() => daveEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == daveCall && m.From == "carol"), "dave's call with carol ends");
        await Eventually.TrueAsync(() => frankEvents.OfType(MessageTypes.Cancelled).Any(m => m.CallId == frankCall && m.From == "carol"), "frank's invitation from carol is cancelled");
        await Eventually.TrueAsync(() => bobEvents.Welcomes.Length == 2 && bob.State == ConnectionState.Connected, "bob is connected again", TimeSpan.FromSeconds(90));
        Assert.False(bobEvents.Welcomes[1].Resumed);
        Assert.NotEqual(bobEvents.Welcomes[0].Session, bobEvents.Welcomes[1].Session);

        // The new session starts with no rooms; joining again is seen as a join, and relaying works.
        await bob.JoinAsync("r");
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.MemberJoined).Count(m => m.Peer == "bob") == 2, "alice sees bob join again");
        await bob.SendMessageAsync("r", System.Text.Json.JsonDocument.Parse("\"back\"").RootElement.Clone(), to: "alice");
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Message).Any(m => m.From == "bob"), "alice gets bob's message");
        var backplane = Survivor.Services.GetRequiredService<IBackplane>();
        Assert.Equal(["alice", "bob"], (await backplane.GetMembersAsync(new RoomId("r"), CancellationToken.None)).Select(m => m.Peer).Order());
        string again = await bob.InviteAsync("alice", "r");
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == again), "alice can be called again (not busy)");
        Assert.DoesNotContain(bobEvents.OfType(MessageTypes.Declined), m => m.CallId == again);
        Assert.Single(aliceEvents.OfType(MessageTypes.Hangup));
        Assert.Single(daveEvents.OfType(MessageTypes.Hangup));
        Assert.Single(frankEvents.OfType(MessageTypes.Cancelled));
        // dave is no longer busy: a new invitation reaches him.
        string daveAgain = await alice.InviteAsync("dave", "elsewhere");
        await Eventually.TrueAsync(() => daveEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == daveAgain), "dave can be called again (not busy)");
        Assert.Equal(1, LeftPeers(aliceEvents).Count(p => p == "bob"));
        Assert.Equal(1, LeftPeers(aliceEvents).Count(p => p == "carol"));
    }

    private static string[] LeftPeers(EventLog events) => [.. events.OfType(MessageTypes.MemberLeft).Select(m => m.Peer!)];
}
