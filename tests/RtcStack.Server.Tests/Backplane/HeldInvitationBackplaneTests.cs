using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Backplane.Redis;
using RtcStack.Signaling.Protocol;
using StackExchange.Redis;

namespace RtcStack.Server.Tests.Backplane;

/// <summary>
/// Held invitations in Redis (<c>held:{node}</c>, real redis-server) across outages: the write-back after an outage
/// leaves exactly the node's current invitations (a release made while cut off leaves no stale field); a node swept
/// while cut off drops the copies the survivor adopted; an answered invitation reaches the node that holds it.
/// </summary>
public sealed class HeldInvitationBackplaneTests : RedisNodeTests
{
    [Fact]
    public async Task The_write_back_after_an_outage_leaves_only_the_invitations_still_held()
    {
        await using var proxy = new LoadBalancer(new Uri("tcp://" + Redis.ConnectionString));
        // No other node: nobody sweeps this one, however long it is cut off.
        var (node, _) = await StartNodeAsync("node-x", connectionString: Via(proxy));
        await node.HoldInvitationAsync(Call("c1", "gina"), None);
        await node.HoldInvitationAsync(Call("c2", "hank"), None);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        IDatabase db = redis.GetDatabase();
        Assert.Equal(["c1", "c2"], await HeldAsync(db, "node-x"));

        proxy.Paused = true;
        proxy.DropAll();
        await Eventually.TrueAsync(() => !node.IsHealthy, "node-x lost Redis");
        await node.ReleaseInvitationAsync("c2", None);
        await node.HoldInvitationAsync(Call("c3", "ivan"), None);
        proxy.Paused = false;

        await Eventually.TrueAsync(() => node.IsHealthy, "node-x is back", TimeSpan.FromSeconds(60));
        Assert.Equal(["c1", "c3"], await HeldAsync(db, "node-x"));
    }

    [Fact]
    public async Task A_node_swept_while_cut_off_drops_the_invitations_the_survivor_adopted_and_keeps_its_newer_ones()
    {
        await using var proxy = new LoadBalancer(new Uri("tcp://" + Redis.ConnectionString));
        var (cut, hx) = await StartNodeAsync("node-x", connectionString: Via(proxy));
        var (_, h1) = await StartNodeAsync("node-s1");
        await cut.HoldInvitationAsync(Call("c1", "gina"), None);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        IDatabase db = redis.GetDatabase();
        await Eventually.TrueAsync(async () => await db.SetContainsAsync("t:nodes", "node-x"), "the node registered");

        proxy.Paused = true;
        proxy.DropAll();
        await Eventually.TrueAsync(() => !cut.IsHealthy, "node-x lost Redis");
        await Eventually.TrueAsync(() => !h1.Adopted.IsEmpty, "the survivor adopted c1", TimeSpan.FromSeconds(60));
        // Made after the sweep: no other node knows of it.
        await cut.HoldInvitationAsync(Call("c2", "hank"), None);
        proxy.Paused = false;

        await Eventually.TrueAsync(() => cut.IsHealthy && !hx.Taken.IsEmpty, "node-x wrote back and dropped c1", TimeSpan.FromSeconds(60));
        Assert.Equal(["c1"], hx.Taken);
        Assert.Equal(["c2"], await HeldAsync(db, "node-x"));
        Assert.Equal(["c1"], await HeldAsync(db, "node-s1"));
    }

    [Fact]
    public async Task An_answered_invitation_reaches_only_the_node_that_holds_it()
    {
        var (holder, h1) = await StartNodeAsync("node-s1");
        var (other, h2) = await StartNodeAsync("node-s2");
        await holder.HoldInvitationAsync(Call("c1", "gina"), None);

        await other.EndHeldInvitationAsync("c1", None);
        await other.EndHeldInvitationAsync("c-unknown", None);
        await Eventually.TrueAsync(() => !h1.Ended.IsEmpty, "the holder is told");
        // A later message on the same channel arrives after the first: nothing else was sent meanwhile.
        await holder.EndHeldInvitationAsync("c1", None);
        await Eventually.TrueAsync(() => h1.Ended.Count == 2, "the holder is told again");
        Assert.Equal(["c1", "c1"], h1.Ended);
        Assert.Empty(h2.Ended);
    }

    private static async Task<string[]> HeldAsync(IDatabase db, string node) =>
        [.. (await db.HashKeysAsync("t:held:" + node)).Select(v => v.ToString()).Order(StringComparer.Ordinal)];

    private static CallState Call(string id, string callee) => new()
    {
        Id = id,
        OtherPeer = callee,
        Room = "r",
        Outgoing = true,
        ExpiresAt = 42,
        PendingInvite = new ServerMessage { Type = "invite", CallId = id, From = "bob", Room = "r", ExpiresAt = 42 },
    };
}
