using System.Text.Json;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Protocol;

/// <summary>join/joined, member-joined/left/updated, leave, update, offer/answer/candidate/message relay.</summary>
public class RoomAndRelayTests : IAsyncLifetime
{
    /// <summary>Extra settings for the node(s) (the epoll engine's run of these tests sets the engine).</summary>
    protected virtual string[] Settings => [Engine.EngineSettings.Kestrel];

    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(Settings);

    public async Task DisposeAsync()
    {
        Engine.EngineSettings.AssertServed(_node.Services, Settings);
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Join_lists_present_members_and_tells_them_with_member_joined()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        var (bob, _) = await _node.ConnectAsync("bob");
        var first = await alice.JoinAsync("demo", Json.Parse("""{"name":"Alice"}"""));
        Assert.Equal(MessageTypes.Joined, first.Type);
        Assert.Equal("demo", first.Room);
        Assert.Equal("alice", first.Self!.Peer);
        Assert.Empty(first.Members!);

        var second = await bob.JoinAsync("demo", Json.Parse("""{"name":"Bob"}"""));
        var present = Assert.Single(second.Members!);
        Assert.Equal("alice", present.Peer);
        Assert.Equal("Alice", present.Meta!.Value.GetProperty("name").GetString());

        var joined = await aliceEvents.WaitAsync(MessageTypes.MemberJoined);
        Assert.Equal("bob", joined.Peer);
        Assert.Equal("demo", joined.Room);
        Assert.Equal("Bob", joined.Meta!.Value.GetProperty("name").GetString());
        Assert.Equal(1, joined.Seq);
    }

    [Fact]
    public async Task Leave_is_acked_and_the_room_gets_member_left_with_reason_left()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        var (bob, _) = await _node.ConnectAsync("bob");
        await alice.JoinAsync("demo");
        await bob.JoinAsync("demo");
        await bob.LeaveAsync("demo");
        var left = await aliceEvents.WaitAsync(MessageTypes.MemberLeft);
        Assert.Equal(("bob", "demo", "left"), (left.Peer, left.Room, left.Reason));
        await Assert.ThrowsAsync<RtcStack.Client.SignalingException>(() => bob.SendMessageAsync("demo", Json.Parse("1")));
    }

    [Fact]
    public async Task Update_is_acked_and_others_get_member_updated()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        var (bob, bobEvents) = await _node.ConnectAsync("bob");
        await alice.JoinAsync("demo");
        await bob.JoinAsync("demo");
        await bob.UpdateAsync("demo", Json.Parse("""{"muted":true}"""));
        var updated = await aliceEvents.WaitAsync(MessageTypes.MemberUpdated);
        Assert.Equal("bob", updated.Peer);
        Assert.True(updated.Meta!.Value.GetProperty("muted").GetBoolean());
        Assert.Empty(bobEvents.OfType(MessageTypes.MemberUpdated));
    }

    [Fact]
    public async Task Offer_answer_and_candidates_are_relayed_with_the_verified_sender()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        var (bob, bobEvents) = await _node.ConnectAsync("bob");
        await alice.JoinAsync("call");
        await bob.JoinAsync("call");

        await alice.SendOfferAsync("call", "bob", "v=0 offer", iceRestart: true);
        var offer = await bobEvents.WaitAsync(MessageTypes.Offer);
        Assert.Equal(("alice", "call", "v=0 offer", true), (offer.From, offer.Room, offer.Sdp, offer.IceRestart));
        Assert.True(offer.Seq > 0);

        await bob.SendAnswerAsync("call", "alice", "v=0 answer");
        var answer = await aliceEvents.WaitAsync(MessageTypes.Answer);
        Assert.Equal(("bob", "v=0 answer"), (answer.From, answer.Sdp));

        await alice.SendCandidateAsync("call", "bob", Json.Parse("""{"candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0}"""));
        await alice.SendCandidateAsync("call", "bob", null);
        var candidates = await bobEvents.WaitCountAsync(MessageTypes.Candidate, 2);
        Assert.Equal("0", candidates[0].Candidate!.Value.GetProperty("sdpMid").GetString());
        Assert.True(candidates[1].Candidate is null || candidates[1].Candidate!.Value.ValueKind == JsonValueKind.Null, "end-of-candidates");
        Assert.All(candidates, c => Assert.Equal("alice", c.From));
    }

    [Fact]
    public async Task Message_goes_to_one_member_or_to_every_other_member()
    {
        var (alice, aliceEvents) = await _node.ConnectAsync("alice");
        var (bob, bobEvents) = await _node.ConnectAsync("bob");
        var (carol, carolEvents) = await _node.ConnectAsync("carol");
        await alice.JoinAsync("chat");
        await bob.JoinAsync("chat");
        await carol.JoinAsync("chat");

        await alice.SendMessageAsync("chat", Json.Parse("""{"text":"to bob"}"""), to: "bob");
        await alice.SendMessageAsync("chat", Json.Parse("""["everyone"]"""));

        var toBob = await bobEvents.WaitCountAsync(MessageTypes.Message, 2);
        Assert.Equal("to bob", toBob[0].Data!.Value.GetProperty("text").GetString());
        Assert.Equal("everyone", toBob[1].Data!.Value[0].GetString());
        var toCarol = await carolEvents.WaitAsync(MessageTypes.Message);
        Assert.Equal("everyone", toCarol.Data!.Value[0].GetString());
        Assert.Equal("alice", toCarol.From);
        await bob.PingAsync();
        await carol.PingAsync();
        Assert.Single(carolEvents.OfType(MessageTypes.Message));
        Assert.Empty(aliceEvents.OfType(MessageTypes.Message));
    }

    [Fact]
    public async Task Messages_never_cross_rooms()
    {
        var (alice, _) = await _node.ConnectAsync("alice");
        var (bob, bobEvents) = await _node.ConnectAsync("bob");
        await alice.JoinAsync("a");
        await bob.JoinAsync("b");
        var ex = await Assert.ThrowsAsync<RtcStack.Client.SignalingException>(() => alice.SendMessageAsync("a", Json.Parse("1"), to: "bob"));
        Assert.Equal(ErrorCodes.UnknownTarget, ex.Code);
        ex = await Assert.ThrowsAsync<RtcStack.Client.SignalingException>(() => alice.SendMessageAsync("b", Json.Parse("1"), to: "bob"));
        Assert.Equal(ErrorCodes.NotInRoom, ex.Code);
        await alice.SendMessageAsync("a", Json.Parse("2"));
        await bob.PingAsync();
        Assert.Empty(bobEvents.OfType(MessageTypes.Message));
    }

    [Fact]
    public async Task Seq_increases_by_one_per_session()
    {
        var (alice, _) = await _node.ConnectAsync("alice");
        var (bob, bobEvents) = await _node.ConnectAsync("bob");
        await bob.JoinAsync("s");
        await alice.JoinAsync("s");
        for (int i = 0; i < 20; i++)
        {
            await alice.SendMessageAsync("s", Json.Parse(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), to: "bob");
        }

        var messages = await bobEvents.WaitCountAsync(MessageTypes.Message, 20);
        var all = bobEvents.Messages;
        Assert.Equal(Enumerable.Range(1, all.Length).Select(i => (long?)i), all.Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(0, 20), messages.Select(m => m.Data!.Value.GetInt32()));
    }
}
