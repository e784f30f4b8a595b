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
        var (alice, bob, room) = await OpenCallAsync(server);
        await using AppPage a = alice;
        await using AppPage b = bob;

        // alice's node was presumed dead and wrote her back: bob (on "another node") had seen her leave.
        await RepairAsync(server, room, await alice.EvalAsync<string>("JSON.stringify(rtcstackTest.client.meta)"));

        await ExpectRebuiltAsync(alice, bob);
        Assert.Equal(["bob"], await alice.EvalAsync<string[]>("rtcstackTest.members"));
    }

    [Fact]
    public async Task A_fresh_offer_that_overtakes_the_repair_is_answered_on_a_fresh_link_which_the_repair_keeps()
    {
        await using var server = new TestServer();
        await server.StartAsync();
        var (alice, bob, room) = await OpenCallAsync(server);
        await using AppPage a = alice;
        await using AppPage b = bob;
        // bob hears of the repair 3 s late (another node, a slow Redis subscriber): alice's fresh offer comes first.
        await bob.EvalAsync("""
            () => {
              const c = rtcstackTest.client;
              const handle = c.onEvent.bind(c);
              window.lateJoins = 0;
              c.onEvent = (m) => {
                if (m.type === 'member-joined' && m.restored) setTimeout(() => { handle(m); window.lateJoins++; }, 3000);
                else handle(m);
              };
            }
            """);
        await alice.EvalAsync("""
            () => {
              window.leftSeen = 0;
              window.leftEmitted = 0;
              rtcstackTest.client.signaling.on('message', (m) => { if (m.type === 'member-left') window.leftSeen++; });
              rtcstackTest.client.on('member-left', () => window.leftEmitted++);
            }
            """);

        // alice also hears that "ghost", whom she never listed, left: she ignores it.
        await RepairAsync(server, room, await alice.EvalAsync<string>("JSON.stringify(rtcstackTest.client.meta)"), left: "ghost");

        await bob.WaitAsync("window.lateJoins === 1", "bob to hear of the repair");
        await ExpectRebuiltAsync(alice, bob);
        Assert.Equal((1, 0), (await alice.EvalAsync<int>("window.leftSeen"), await alice.EvalAsync<int>("window.leftEmitted")));
        Assert.Equal(["bob"], await alice.EvalAsync<string[]>("rtcstackTest.members"));
        Assert.Equal(["alice"], await bob.EvalAsync<string[]>("rtcstackTest.members"));
    }

    private async Task<(AppPage Alice, AppPage Bob, string Room)> OpenCallAsync(TestServer server)
    {
        Assert.NotNull(server.Services); // RTCSTACK_E2E_URL does not apply: the test drives the hub itself.
        string room = $"repair-{Guid.NewGuid():N}"[..20];
        AppPage alice = await fx.OpenAsync(server, $"name=Alice&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.view === 'call'", "Alice in the call view");
        AppPage bob = await fx.OpenAsync(server, $"name=Bob&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.frames['bob'] > 0", "video from bob");
        await bob.WaitAsync("rtcstackTest.frames['alice'] > 0", "video from alice");
        await alice.EvalAsync("window.oldLink = rtcstackTest.client.peers.get('bob')");
        await bob.EvalAsync("window.oldLink = rtcstackTest.client.peers.get('alice')");
        return (alice, bob, room);
    }

    /// <summary>What the Redis backplane hands the hub when alice's node is back after being presumed dead.</summary>
    private static async Task RepairAsync(TestServer server, string room, string aliceMeta, string? left = null)
    {
        IBackplaneHandler hub = server.Services!.GetRequiredService<SignalingHub>();
        await hub.OnPresenceRepairedAsync(new PresenceRepair(
            new RoomId(room),
            Others: [new RoomMember("bob", null)],
            Returned: [new RoomMember("alice", aliceMeta)],
            Departed: [],
            Joined: [],
            Left: left is null ? [] : [new PeerId(left)],
            Updated: [],
            Newcomers: []));
    }

    /// <summary>Each side replaced its link exactly once, and video and chat flow over the new links.</summary>
    private static async Task ExpectRebuiltAsync(AppPage alice, AppPage bob)
    {
        foreach ((AppPage page, string other) in new[] { (alice, "bob"), (bob, "alice") })
        {
            await page.WaitAsync($"rtcstackTest.replaced['{other}'] === 1 && window.oldLink.closed && rtcstackTest.client.peers.get('{other}') !== window.oldLink", $"the link with {other} replaced");
            await page.Page.EvaluateAsync(WatchNewLink, other);
            await page.WaitAsync($"rtcstackTest.client.peers.get('{other}').pc.connectionState === 'connected'", $"the new link with {other} connected");
            await page.WaitAsync("window.newLink.frames > 10", $"video from {other} over the new link");
        }
        await alice.EvalAsync("rtcstackTest.actions.sendChat('after the repair')");
        await bob.WaitAsync("rtcstackTest.chat.some(m => m.text === 'after the repair')", "chat after the repair");
        await bob.EvalAsync("rtcstackTest.actions.sendChat('back again')");
        await alice.WaitAsync("rtcstackTest.chat.some(m => m.text === 'back again')", "chat back");
        foreach ((AppPage page, string other) in new[] { (alice, "bob"), (bob, "alice") })
        {
            Assert.Equal(1, await page.EvalAsync<int>($"rtcstackTest.replaced['{other}']"));
            Assert.True(await page.EvalAsync<bool>($"window.newLink.link === rtcstackTest.client.peers.get('{other}')"), await page.DescribeAsync());
            Assert.Empty(page.PageErrors);
        }
    }
}
