using RtcStack.Turn;

namespace RtcStack.E2E.Tests;

/// <summary>
/// Relay-only calls (<c>iceTransportPolicy: "relay"</c>) through RtcStack's own TURN server
/// (<see cref="TurnServer"/>, started here on a free 127.0.0.1 port with a TURN REST secret). The signaling
/// server shares the secret, so its welcome carries short-lived TURN credentials that the page uses.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class RelayTests(BrowserFixture fx)
{
    [Fact]
    public async Task Relay_only_call_goes_through_rtcstack_turn_and_media_flows()
    {
        var secret = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        var turnOptions = new TurnOptions
        {
            ListeningIps = ["127.0.0.1"],
            ListeningPort = 0,
            EnableTcp = false,
            EnableTls = false,
            RelayIps = ["127.0.0.1"],
            MinPort = 52000,
            MaxPort = 52999,
            StaticAuthSecret = secret,
            AllowedPeerIps = ["127.0.0.0/8"], // both peers' relayed addresses are loopback here
        };
        await using var turn = new TurnServer(turnOptions);
        await turn.StartAsync();
        var turnPort = turn.UdpEndPoints[0].Port;

        await using var server = new TestServer(30_000,
            $"--Signaling:TurnUrls:0=turn:127.0.0.1:{turnPort}?transport=udp",
            $"--Turn:StaticAuthSecret={secret}");
        await server.StartAsync();

        var room = $"relay-{Guid.NewGuid():N}"[..20];
        await using var alice = await fx.OpenAsync(server, $"name=Alice&room={room}&autojoin=1&policy=relay");
        await alice.WaitAsync("rtcstackTest.view === 'call'", "Alice in the call view");
        await using var bob = await fx.OpenAsync(server, $"name=Bob&room={room}&autojoin=1&policy=relay");

        foreach (var (page, other) in new[] { (alice, "bob"), (bob, "alice") })
        {
            await page.WaitAsync($"rtcstackTest.frames['{other}'] > 0", $"video frames from {other} over the relay");
            await page.WaitAsync($"rtcstackTest.pairs['{other}'] && rtcstackTest.pairs['{other}'].type === 'relay'", "a relay candidate pair");
            Assert.Equal("udp", await page.EvalAsync<string>($"rtcstackTest.pairs['{other}'].relayProtocol"));
        }

        var before = await alice.EvalAsync<int>("rtcstackTest.frames['bob']");
        await alice.WaitAsync($"rtcstackTest.frames['bob'] > {before + 10}", "media to keep flowing over the relay");
        Assert.True(turn.ActiveAllocations >= 2, $"expected allocations for both peers, saw {turn.ActiveAllocations}");
        await alice.EvalAsync("document.querySelector('[data-tab=quality]').click()");
        await Task.Delay(2000);
        await alice.ScreenshotAsync("call-relay-quality");
    }
}
