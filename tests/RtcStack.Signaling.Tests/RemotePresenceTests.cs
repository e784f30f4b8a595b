using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Backplane.Redis;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// What a Redis node remembers of other nodes' members (<see cref="RemotePresence"/>): kept only for rooms with a
/// member here (a peer that leaves every room by unsubscribing or being taken over leaves nothing behind); a read
/// after Redis lost its data adds members without dropping the ones not written back yet.
/// </summary>
public sealed class RemotePresenceTests
{
    [Fact]
    public void Rooms_a_forgotten_peer_was_alone_in_are_no_longer_kept()
    {
        var local = new LocalMirror();
        var presence = new RemotePresence(local);
        local.Add("r1", new RoomMember("bob", null), 10, enforceCapacity: false);
        local.Add("r2", new RoomMember("bob", null), 10, enforceCapacity: false);
        local.Add("r2", new RoomMember("carol", null), 10, enforceCapacity: false);
        presence.Replace("r1", [new RoomMember("bob", null), new RoomMember("erin", "{}")]);
        presence.Replace("r2", [new RoomMember("bob", null), new RoomMember("carol", null), new RoomMember("gina", null)]);
        Assert.Equal(2, presence.RoomCount);
        Assert.Equal(["erin"], presence.Known("r1").Keys);

        List<string> emptied = local.ForgetPeer("bob");
        presence.Forget(emptied);

        Assert.Equal(["r1"], emptied);
        Assert.Equal(1, presence.RoomCount);
        Assert.Empty(presence.Known("r1"));
        Assert.Equal(["gina"], presence.Known("r2").Keys);
    }

    [Fact]
    public void A_merge_adds_and_updates_remote_members_and_drops_none_while_a_replace_drops_the_missing()
    {
        var local = new LocalMirror();
        var presence = new RemotePresence(local);
        local.Add("r", new RoomMember("bob", null), 10, enforceCapacity: false);
        presence.Replace("r", [new RoomMember("erin", "{\"a\":1}"), new RoomMember("gina", null)]);

        // Redis lost its data: only erin (new meta) and hank were written back so far.
        presence.Merge("r", [new RoomMember("bob", null), new RoomMember("erin", "{\"a\":2}"), new RoomMember("hank", null)]);
        Dictionary<string, string> known = presence.Known("r");
        Assert.Equal(["erin", "gina", "hank"], known.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("{\"a\":2}", known["erin"]);

        presence.Replace("r", [new RoomMember("bob", null), new RoomMember("hank", null)]);
        Assert.Equal(["hank"], presence.Known("r").Keys);
    }
}
