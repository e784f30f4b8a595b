namespace RtcStack.E2E.Tests;

[Collection(E2ECollection.Name)]
public sealed class CallTests(BrowserFixture fx)
{
    private static string NewRoom(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Two_members_decode_each_others_video_and_hear_audio()
    {
        var room = NewRoom("pair");
        await using var alice = await fx.OpenAsync($"name=Alice&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.view === 'call'", "Alice in the call view");

        // Bob arrives like a newcomer: an empty lobby, types his name and the room, clicks Join.
        await using var bob = await fx.OpenAsync("");
        Assert.Equal("Offline", await bob.Page.InnerTextAsync("#status-text"));
        await bob.Page.FillAsync("#name", "Bob");
        await bob.Page.FillAsync("#room", room);
        await bob.WaitAsync("document.querySelector('#preview').videoWidth > 0", "Bob's camera preview");
        await bob.ScreenshotAsync("lobby");
        await bob.Page.ClickAsync("#join-btn");
        await bob.WaitAsync("rtcstackTest.view === 'call'", "Bob in the call view");

        foreach (var (page, other) in new[] { (alice, "bob"), (bob, "alice") })
        {
            await page.WaitAsync($"rtcstackTest.frames['{other}'] > 0", $"video frames decoded from {other}");
            await page.WaitAsync($"rtcstackTest.audio['{other}'] && rtcstackTest.audio['{other}'].energy > 0", $"audio energy from {other}");
        }

        // Frames keep flowing (not just a first frame).
        var before = await alice.EvalAsync<int>("rtcstackTest.frames['bob']");
        await alice.WaitAsync($"rtcstackTest.frames['bob'] > {before + 10}", "more frames from bob");
        await alice.EvalAsync("document.querySelector('[data-tab=quality]').click()");
        await alice.EvalAsync("rtcstackTest.actions.sendChat('Hi Bob 👋 can you see me?')");
        await bob.WaitAsync("rtcstackTest.chat.length === 1", "Alice's message");
        await bob.EvalAsync("rtcstackTest.actions.sendChat('Loud and clear, Alice!')");
        await alice.WaitAsync("rtcstackTest.chat.length === 1", "Bob's message");
        await Task.Delay(2000); // a few points of graph
        await alice.ScreenshotAsync("call-two-members-quality");
        await bob.ScreenshotAsync("call-two-members-chat");
        Assert.Empty(alice.PageErrors);
        Assert.Empty(bob.PageErrors);
        Assert.True(await bob.EvalAsync<bool>("rtcstackTest.error === null && rtcstackTest.welcomes === 1"), await bob.DescribeAsync());
    }

    [Fact]
    public async Task Three_member_mesh_every_member_decodes_every_other()
    {
        var room = NewRoom("mesh");
        var names = new[] { "Ann", "Ben", "Cat" };
        var pages = new List<AppPage>();
        try
        {
            foreach (var n in names)
            {
                var p = await fx.OpenAsync($"name={n}&room={room}&autojoin=1");
                await p.WaitAsync("rtcstackTest.view === 'call'", $"{n} in the call view");
                pages.Add(p);
            }

            for (var i = 0; i < pages.Count; i++)
            {
                foreach (var other in names.Where((_, j) => j != i))
                {
                    await pages[i].WaitAsync($"rtcstackTest.frames['{other.ToLowerInvariant()}'] > 0", $"{names[i]} decoding {other}");
                }
            }

            await pages[2].ScreenshotAsync("call-three-member-mesh");

            // Cat leaves: the others drop her tile and close their connection to her, and keep each other.
            await pages[2].Page.ClickAsync("#btn-leave");
            await pages[2].WaitAsync("rtcstackTest.view === 'lobby'", "Cat back in the lobby");
            foreach (var p in pages.Take(2))
            {
                await p.WaitAsync("!rtcstackTest.members.includes('cat') && !rtcstackTest.client.peers.has('cat') && !document.querySelector('.tile[data-peer=cat]')", "Cat's connection torn down");
            }

            var before = await pages[0].EvalAsync<int>("rtcstackTest.frames['ben']");
            await pages[0].WaitAsync($"rtcstackTest.frames['ben'] > {before + 10}", "Ann still decoding Ben");
        }
        finally
        {
            foreach (var p in pages)
            {
                await p.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Dropped_signaling_socket_resumes_and_the_call_and_chat_continue()
    {
        var room = NewRoom("resume");
        await using var alice = await fx.OpenAsync($"name=Alice&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.view === 'call'", "Alice in the call view");
        await using var bob = await fx.OpenAsync($"name=Bob&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.frames['bob'] > 0", "video from bob");
        await bob.WaitAsync("rtcstackTest.frames['alice'] > 0", "video from alice");

        await alice.EvalAsync("rtcstackTest.dropSignaling()");
        await alice.WaitAsync("rtcstackTest.resumed >= 1 && rtcstackTest.state === 'connected'", "Alice's session to resume");

        // The media path never depended on the socket: frames keep coming.
        var before = await alice.EvalAsync<int>("rtcstackTest.frames['bob']");
        await alice.WaitAsync($"rtcstackTest.frames['bob'] > {before + 10}", "frames after the drop");
        Assert.Equal(0, await alice.EvalAsync<int>("rtcstackTest.resets"));

        await alice.EvalAsync("rtcstackTest.actions.sendChat('after the drop')");
        await bob.WaitAsync("rtcstackTest.chat.some(m => m.text === 'after the drop')", "chat after the drop");
        await bob.EvalAsync("rtcstackTest.actions.sendChat('still here')");
        await alice.WaitAsync("rtcstackTest.chat.some(m => m.text === 'still here')", "chat back");
        Assert.Equal(2, await alice.EvalAsync<int>("rtcstackTest.members.length + 1"));
    }

    [Fact]
    public async Task Ice_restart_from_both_sides_at_once_keeps_the_call()
    {
        var room = NewRoom("restart");
        await using var alice = await fx.OpenAsync($"name=Alice&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.view === 'call'", "Alice in the call view");
        await using var bob = await fx.OpenAsync($"name=Bob&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.frames['bob'] > 0", "video from bob");
        await bob.WaitAsync("rtcstackTest.frames['alice'] > 0", "video from alice");

        const string Ufrag = "/a=ice-ufrag:(\\S+)/.exec(rtcstackTest.client.peers.get('{0}').pc.currentRemoteDescription.sdp)[1]";
        var bobUfrag = await alice.EvalAsync<string>(string.Format(System.Globalization.CultureInfo.InvariantCulture, Ufrag, "bob"));
        var aliceUfrag = await bob.EvalAsync<string>(string.Format(System.Globalization.CultureInfo.InvariantCulture, Ufrag, "alice"));

        // Both restart in the same moment: the offers usually cross (glare) and perfect negotiation sorts it out.
        await Task.WhenAll(
            alice.EvalAsync("rtcstackTest.client.restartIce('test')"),
            bob.EvalAsync("rtcstackTest.client.restartIce('test')"));

        await alice.WaitAsync($"{string.Format(System.Globalization.CultureInfo.InvariantCulture, Ufrag, "bob")} !== '{bobUfrag}'", "Bob's new ICE credentials");
        await bob.WaitAsync($"{string.Format(System.Globalization.CultureInfo.InvariantCulture, Ufrag, "alice")} !== '{aliceUfrag}'", "Alice's new ICE credentials");
        await alice.WaitAsync("rtcstackTest.client.peers.get('bob').pc.signalingState === 'stable' && rtcstackTest.peerStates['bob'] === 'connected'", "Alice stable and connected");
        await bob.WaitAsync("rtcstackTest.client.peers.get('alice').pc.signalingState === 'stable' && rtcstackTest.peerStates['alice'] === 'connected'", "Bob stable and connected");

        var before = await bob.EvalAsync<int>("rtcstackTest.frames['alice']");
        await bob.WaitAsync($"rtcstackTest.frames['alice'] > {before + 10}", "frames after the restart");
        await alice.EvalAsync("rtcstackTest.actions.sendChat('after restart')");
        await bob.WaitAsync("rtcstackTest.chat.some(m => m.text === 'after restart')", "chat after the restart");
    }

    [Fact]
    public async Task Screen_share_replaces_the_camera_without_renegotiation_and_back()
    {
        var room = NewRoom("screen");
        await using var alice = await fx.OpenAsync($"name=Alice&room={room}&autojoin=1");
        await alice.WaitAsync("rtcstackTest.view === 'call'", "Alice in the call view");
        await using var bob = await fx.OpenAsync($"name=Bob&room={room}&autojoin=1");
        await bob.WaitAsync("rtcstackTest.frames['alice'] > 0", "video from alice");

        await alice.Page.ClickAsync("#btn-screen");
        await alice.WaitAsync("document.querySelector('#btn-screen').classList.contains('on')", "screen sharing to start");
        await bob.WaitAsync("document.querySelector('.tile[data-peer=alice]').classList.contains('screen')", "Bob to see Alice's screen tile");
        var before = await bob.EvalAsync<int>("rtcstackTest.frames['alice']");
        await bob.WaitAsync($"rtcstackTest.frames['alice'] > {before + 10}", "frames of the shared screen");
        await bob.ScreenshotAsync("call-screen-share");

        await alice.Page.ClickAsync("#btn-screen");
        await bob.WaitAsync("!document.querySelector('.tile[data-peer=alice]').classList.contains('screen')", "the camera to come back");
        before = await bob.EvalAsync<int>("rtcstackTest.frames['alice']");
        await bob.WaitAsync($"rtcstackTest.frames['alice'] > {before + 10}", "camera frames again");
    }
}
