using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.ScaleOut;

/// <summary>
/// A node cut off from Redis (through a TCP proxy to a real redis-server) longer than its liveness TTL: the survivor
/// tells the rooms its peers left and ends their calls; when the node reaches Redis again it writes its peers back
/// and both sides get the presence events they missed, so every member lists the same members again.
/// </summary>
public sealed class NodeCutOffTests : IAsyncLifetime
{
    private const string LivenessTtl = "RedisBackplane:NodeLivenessTtl=00:00:05";
    private RedisNodes _nodes = null!;
    private LoadBalancer _proxy = null!;
    private TestNode _survivor = null!;
    private TestNode _cut = null!;

    public async Task InitializeAsync()
    {
        _nodes = await RedisNodes.StartAsync();
        _proxy = _nodes.AddProxy();
        _survivor = await _nodes.StartNodeAsync(_nodes.Direct, LivenessTtl);
        _cut = await _nodes.StartNodeAsync(RedisNodes.Via(_proxy), LivenessTtl);
        await _nodes.AllReadyAsync("both nodes are ready");
    }

    public Task DisposeAsync() => _nodes.DisposeAsync().AsTask();

    [Fact]
    public async Task A_node_back_from_a_long_cut_rejoins_its_rooms_with_member_joined_and_ends_calls_the_others_ended()
    {
        var (alice, aliceEvents) = await _survivor.ConnectAsync("alice");
        await alice.JoinAsync("r");
        var (bob, bobEvents) = await _cut.ConnectAsync("bob");
        await bob.JoinAsync("r");
        await Eventually.TrueAsync(() => Joined(aliceEvents, "bob") == 1, "alice sees bob join");
        string callId = await alice.InviteAsync("bob", "r");
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Invite).Any(m => m.CallId == callId), "bob is invited");
        await bob.AcceptAsync(callId);
        await Eventually.TrueAsync(() => aliceEvents.OfType(MessageTypes.Accepted).Any(m => m.CallId == callId), "alice sees the call accepted");

        _proxy.Paused = true;
        _proxy.DropAll();
        await Eventually.TrueAsync(
            () => aliceEvents.OfType(MessageTypes.MemberLeft).Any(m => m.Peer == "bob") && aliceEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == callId),
            "the survivor presumes bob gone: member-left and hangup",
            TimeSpan.FromSeconds(90));
        // Meanwhile carol joins on the survivor (bob is not told: his node is cut off) and dave on the cut node
        // (he sees bob only).
        var (carol, carolEvents) = await _survivor.ConnectAsync("carol");
        await carol.JoinAsync("r");
        var (dave, daveEvents) = await _cut.ConnectAsync("dave");
        var daveJoined = await dave.JoinAsync("r");
        Assert.Equal(["bob"], daveJoined.Members!.Select(m => m.Peer));

        _proxy.Paused = false;
        await Eventually.TrueAsync(
            () => Joined(aliceEvents, "bob") == 2 && Joined(aliceEvents, "dave") == 1 && Joined(carolEvents, "bob") == 1 && Joined(carolEvents, "dave") == 1,
            "the survivor's members see bob come back and dave join",
            TimeSpan.FromSeconds(90));
        await Eventually.TrueAsync(
            () => Joined(bobEvents, "carol") == 1 && Joined(daveEvents, "carol") == 1 && Joined(daveEvents, "alice") == 1,
            "the cut node's members see the members on the survivor");
        // Both ends of every link the cut broke are told it is restored, so both rebuild it (docs/protocol.md).
        await Eventually.TrueAsync(
            () => Restored(bobEvents, "alice") && Restored(bobEvents, "carol") && Restored(daveEvents, "alice") && Restored(daveEvents, "carol")
                && Restored(aliceEvents, "bob") && Restored(aliceEvents, "dave") && Restored(carolEvents, "bob") && Restored(carolEvents, "dave"),
            "member-joined restored on both ends");
        // bob's side of the call ends as alice's did (she got hangup from him; he gets hangup from her).
        await Eventually.TrueAsync(() => bobEvents.OfType(MessageTypes.Hangup).Any(m => m.CallId == callId && m.From == "alice"), "bob's call ends too");

        // Everyone lists the same four members, and the room works across nodes again.
        await dave.SendMessageAsync("r", System.Text.Json.JsonDocument.Parse("\"hi\"").RootElement.Clone(), to: "carol");
        await Eventually.TrueAsync(() => carolEvents.OfType(MessageTypes.Message).Any(m => m.From == "dave"), "carol gets dave's message");
        Assert.Equal(1, Joined(bobEvents, "carol"));
        Assert.Equal(1, Joined(bobEvents, "alice"));
        Assert.Equal(1, Joined(daveEvents, "alice"));
        Assert.Equal(2, Joined(aliceEvents, "bob"));
        Assert.Single(bobEvents.OfType(MessageTypes.Hangup));
        Assert.DoesNotContain(bobEvents.OfType(MessageTypes.MemberLeft), m => m.Peer == "alice");
    }

    private static bool Restored(EventLog events, string peer) => events.OfType(MessageTypes.MemberJoined).Any(m => m.Peer == peer && m.Restored == true);

    private static int Joined(EventLog events, string peer) => events.OfType(MessageTypes.MemberJoined).Count(m => m.Peer == peer);
}
