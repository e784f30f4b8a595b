using Microsoft.Extensions.DependencyInjection;
using RtcStack.Signaling;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Hub;

namespace RtcStack.E2E.Tests;

/// <summary>
/// A node back from a Redis outage repairs presence (docs/protocol.md, session lifecycle 6): both ends of a link the
/// outage broke get <c>member-joined</c> with <c>restored: true</c>, and the browser client rebuilds the link from
/// both sides at once (a fresh RTCPeerConnection each, perfect negotiation settling the glare). The repair is handed
/// to the real hub of an in-process server, as its Redis backplane would after the write-back; the hub's own path
/// (local delivery, then a backplane publish) does the rest.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PresenceRepairTests(BrowserFixture fx)
{
    /// <summary>Polls, in the page, the video frames decoded by the link with <c>peer</c> that exists now.</summary>
    private const string WatchNewLink = """
        (peer) => {
          const link = rtcstackTest.client.peers.get(peer);
          window.newLink = { link, frames: 0 };
          setInterval(async () => {
            const report = await link.pc.getStats().catch(() => null);
            report?.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') window.newLink.frames = r.framesDecoded || 0; });
          }, 250);
        }
        """;

    [Fact]
    public async Task A_presence_repair_rebuilds_the_media_link_from_both_sides()
    {
        await using var server = new TestServer();
        await server.StartAsync();
        Assert.NotNull(server.Services); // RTCSTACK_E2E_URL does not apply: the test drives the hub itself.
        string room = $"repair-{Guid.NewGuid():N}"[..20];
        await using AppPage alice = await fx.OpenAsync(server, $"name=Alice&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.view === 'call'", "Alice in the call view");
        await using AppPage bob = await fx.OpenAsync(server, $"name=Bob&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.frames['bob'] > 0", "video from bob");
        await bob.WaitAsync("rtcstackTest.frames['alice'] > 0", "video from alice");
        await alice.EvalAsync("window.oldLink = rtcstackTest.client.peers.get('bob')");
        await bob.EvalAsync("window.oldLink = rtcstackTest.client.peers.get('alice')");
        string aliceMeta = await alice.EvalAsync<string>("JSON.stringify(rtcstackTest.client.meta)");

        // alice's node was presumed dead and wrote her back: bob (on "another node") had seen her leave.
        IBackplaneHandler hub = server.Services.GetRequiredService<SignalingHub>();
        await hub.OnPresenceRepairedAsync(new PresenceRepair(
            new RoomId(room),
            Others: [new RoomMember("bob", null)],
            Returned: [new RoomMember("alice", aliceMeta)],
            Departed: [],
            Joined: [],
            Left: [],
            Updated: [],
            Newcomers: []));

        foreach ((AppPage page, string other) in new[] { (alice, "bob"), (bob, "alice") })
        {
            await page.WaitAsync($"rtcstackTest.replaced['{other}'] === 1 && window.oldLink.closed && rtcstackTest.client.peers.get('{other}') !== window.oldLink", $"the link with {other} replaced");
            await page.Page.EvaluateAsync(WatchNewLink, other);
            await page.WaitAsync($"rtcstackTest.client.peers.get('{other}').pc.connectionState === 'connected'", $"the new link with {other} connected");
            await page.WaitAsync("window.newLink.frames > 10", $"video from {other} over the new link");
        }

        // The data channel of the new link carries chat both ways, and each side rebuilt its link exactly once.
        await alice.EvalAsync("rtcstackTest.actions.sendChat('after the repair')");
        await bob.WaitAsync("rtcstackTest.chat.some(m => m.text === 'after the repair')", "chat after the repair");
        await bob.EvalAsync("rtcstackTest.actions.sendChat('back again')");
        await alice.WaitAsync("rtcstackTest.chat.some(m => m.text === 'back again')", "chat back");
        Assert.Equal(1, await alice.EvalAsync<int>("rtcstackTest.replaced['bob']"));
        Assert.Equal(1, await bob.EvalAsync<int>("rtcstackTest.replaced['alice']"));
        Assert.True(await alice.EvalAsync<bool>("window.newLink.link === rtcstackTest.client.peers.get('bob')"), await alice.DescribeAsync());
        Assert.True(await bob.EvalAsync<bool>("window.newLink.link === rtcstackTest.client.peers.get('alice')"), await bob.DescribeAsync());
        Assert.Equal(["bob"], await alice.EvalAsync<string[]>("rtcstackTest.members"));
        Assert.Empty(alice.PageErrors);
        Assert.Empty(bob.PageErrors);
    }
}
