using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Protocol;

/// <summary>Call invitations: invite, ringing, accept, decline, cancel, hangup, timeout, busy, offline hold.</summary>
public sealed class InvitationTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync("RingTimeoutMs=3000");

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Invite_ringing_accept_hangup()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        var (bob, bobEvents) = await _node.ConnectAsync("bob");

        string callId = await alice.InviteAsync("bob", "call-room", Json.Parse("""{"video":true}"""));
        var invite = await bobEvents.WaitAsync(MessageTypes.Invite);
        Assert.Equal((callId, "alice", "call-room"), (invite.CallId, invite.From, invite.Room));
        Assert.True(invite.Meta!.Value.GetProperty("video").GetBoolean());
        Assert.True(invite.ExpiresAt > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.NotNull(invite.Seq);

        await bob.RingingAsync(callId);
        var ringing = await aliceEvents.WaitAsync(MessageTypes.Ringing);
        Assert.Equal((callId, "bob"), (ringing.CallId, ringing.From));

        await bob.AcceptAsync(callId);
        var accepted = await aliceEvents.WaitAsync(MessageTypes.Accepted);
        Assert.Equal((callId, "bob"), (accepted.CallId, accepted.From));

        await alice.HangupAsync(callId);
        var hangup = await bobEvents.WaitAsync(MessageTypes.Hangup);
        Assert.Equal((callId, "alice"), (hangup.CallId, hangup.From));

        // An accepted call does not time out.
        await Task.Delay(3500);
        await alice.PingAsync();
        Assert.Empty(aliceEvents.OfType(MessageTypes.InviteTimeout));
    }

    [Fact]
    public async Task Decline_reaches_the_caller_with_its_reason()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        var (bob, bobEvents) = await _node.ConnectAsync("bob");
        string callId = await alice.InviteAsync("bob", "r");
        await bobEvents.WaitAsync(MessageTypes.Invite);
        await bob.DeclineAsync(callId, "in a meeting");
        var declined = await aliceEvents.WaitAsync(MessageTypes.Declined);
        Assert.Equal((callId, "bob", "in a meeting"), (declined.CallId, declined.From, declined.Reason));
    }

    [Fact]
    public async Task Cancel_reaches_the_callee()
    {
        var (alice, _) = await _node.ConnectAsync("alice");
        var (_, bobEvents) = await _node.ConnectAsync("bob");
        string callId = await alice.InviteAsync("bob", "r");
        await bobEvents.WaitAsync(MessageTypes.Invite);
        await alice.CancelAsync(callId);
        var cancelled = await bobEvents.WaitAsync(MessageTypes.Cancelled);
        Assert.Equal((callId, "alice"), (cancelled.CallId, cancelled.From));
    }

    [Fact]
    public async Task Nobody_answering_within_the_ring_time_gives_both_parties_invite_timeout()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        var (_, bobEvents) = await _node.ConnectAsync("bob");
        string callId = await alice.InviteAsync("bob", "r");
        Assert.Equal(callId, (await aliceEvents.WaitAsync(MessageTypes.InviteTimeout)).CallId);
        Assert.Equal(callId, (await bobEvents.WaitAsync(MessageTypes.InviteTimeout)).CallId);
    }

    [Fact]
    public async Task A_callee_in_a_call_makes_the_caller_get_declined_busy()
    {
        var (alice, _) = await _node.ConnectAsync("alice");
        var (bob, bobEvents) = await _node.ConnectAsync("bob");
        var (carol, carolEvents) = await _node.ConnectAsync("carol");
        string first = await alice.InviteAsync("bob", "r");
        await bobEvents.WaitAsync(MessageTypes.Invite);
        await bob.AcceptAsync(first);

        string second = await carol.InviteAsync("bob", "r");
        var declined = await carolEvents.WaitAsync(MessageTypes.Declined);
        Assert.Equal((second, "busy"), (declined.CallId, declined.Reason));
    }

    [Fact]
    public async Task An_invitation_to_an_offline_peer_is_held_and_delivered_when_it_connects()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        string callId = await alice.InviteAsync("dave", "r");
        var (dave, daveEvents) = await _node.ConnectAsync("dave");
        var invite = await daveEvents.WaitAsync(MessageTypes.Invite);
        Assert.Equal((callId, "alice"), (invite.CallId, invite.From));
        await dave.AcceptAsync(callId);
        Assert.Equal(callId, (await aliceEvents.WaitAsync(MessageTypes.Accepted)).CallId);
    }

    [Fact]
    public async Task An_invitation_to_a_peer_that_stays_offline_times_out()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        string callId = await alice.InviteAsync("nobody-home", "r");
        Assert.Equal(callId, (await aliceEvents.WaitAsync(MessageTypes.InviteTimeout)).CallId);
    }
}
