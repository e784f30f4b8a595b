namespace RtcStack.E2E.Tests;

[Collection(E2ECollection.Name)]
public sealed class ChatAndFileTests(BrowserFixture fx)
{
    private async Task<(AppPage Alice, AppPage Bob)> OpenPairAsync(string prefix, string extra = "")
    {
        var room = $"{prefix}-{Guid.NewGuid():N}"[..20];
        var alice = await fx.OpenAsync($"name=Alice&room={room}&autojoin=1{extra}");
        await alice.WaitAsync("rtcstackTest.view === 'call'", "Alice in the call view");
        var bob = await fx.OpenAsync($"name=Bob&room={room}&autojoin=1{extra}");
        await alice.WaitAsync("rtcstackTest.peerStates['bob'] === 'connected'", "Alice connected to Bob");
        await bob.WaitAsync("rtcstackTest.peerStates['alice'] === 'connected'", "Bob connected to Alice");
        return (alice, bob);
    }

    [Fact]
    public async Task Chat_goes_both_ways_in_order_with_non_ascii_and_a_burst_of_1000()
    {
        var (alice, bob) = await OpenPairAsync("chat", "&media=0");
        await using var a = alice;
        await using var b = bob;
        await a.WaitAsync("rtcstackTest.client.peers.get('bob').chat.readyState === 'open'", "Alice's chat channel");
        await b.WaitAsync("rtcstackTest.client.peers.get('alice').chat.readyState === 'open'", "Bob's chat channel");

        const string unicode = "Grüße, 你好, привет, 👋🏽 — ½ ∑ ünïcødé";
        await a.Page.EvaluateAsync("t => rtcstackTest.actions.sendChat(t)", unicode);
        await b.WaitAsync("rtcstackTest.chat.length >= 1", "Bob to receive the first message");
        Assert.Equal(unicode, await b.EvalAsync<string>("rtcstackTest.chat[0].text"));
        Assert.Equal("Alice", await b.EvalAsync<string>("rtcstackTest.chat[0].name"));

        // Typing indicator.
        await b.Page.FillAsync("#chat-input", "typing…");
        await a.WaitAsync("rtcstackTest.typing.includes('Bob')", "Alice to see Bob typing");
        await b.Page.FillAsync("#chat-input", "");

        await a.EvalAsync("rtcstackTest.sendMany(1000, 'a→b #')");
        await b.EvalAsync("rtcstackTest.sendMany(1000, 'b→a #')");
        await b.WaitAsync("rtcstackTest.chat.length >= 1001", "Bob to receive 1000 more");
        await a.WaitAsync("rtcstackTest.chat.length >= 1000", "Alice to receive 1000");

        var atBob = await b.EvalAsync<string[]>("rtcstackTest.chat.slice(1).map(m => m.text)");
        var atAlice = await a.EvalAsync<string[]>("rtcstackTest.chat.map(m => m.text)");
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"a→b #{i}"), atBob);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"b→a #{i}"), atAlice);
        Assert.True(await a.EvalAsync<bool>("rtcstackTest.chat.every(m => m.ts > 0 && m.name === 'Bob')"));

        await b.EvalAsync("document.querySelector('[data-tab=chat]').click()");
        await b.ScreenshotAsync("chat");
    }

    [Fact]
    public async Task A_50_MiB_file_arrives_with_matching_sha256_and_progress_events()
    {
        var (alice, bob) = await OpenPairAsync("file", "&media=0");
        await using var a = alice;
        await using var b = bob;
        await a.EvalAsync("document.querySelector('[data-tab=files]').click()");
        await b.EvalAsync("document.querySelector('[data-tab=files]').click()");
        Assert.Equal("ok", await a.EvalAsync<string>("rtcstackTest.selfTestSha256()"));

        var sha = await a.EvalAsync<string>("rtcstackTest.sendRandomFile(50 * 1024 * 1024, 'fifty.bin')");
        Assert.Matches("^[0-9a-f]{64}$", sha);
        await b.WaitAsync("rtcstackTest.files.some(f => f.direction === 'receive' && f.bytes > 0)", "the transfer to start", 60_000);
        await b.ScreenshotAsync("file-transfer-progress");
        await b.WaitAsync("rtcstackTest.files.some(f => f.direction === 'receive' && f.state !== 'active')", "the file to arrive", 180_000);
        await a.WaitAsync("rtcstackTest.files.some(f => f.direction === 'send' && f.state !== 'active')", "the sender to get the result", 60_000);

        Assert.Equal("done", await b.EvalAsync<string>("rtcstackTest.files[0].state"));
        Assert.Equal(sha, await b.EvalAsync<string>("rtcstackTest.files[0].sha256"));
        Assert.Equal(50 * 1024 * 1024, await b.EvalAsync<int>("rtcstackTest.files[0].bytes"));
        Assert.True(await b.EvalAsync<int>("rtcstackTest.files[0].progressEvents") > 3);
        Assert.True(await a.EvalAsync<int>("rtcstackTest.files[0].progressEvents") > 3);
        Assert.Equal(sha, await a.EvalAsync<string>("rtcstackTest.files[0].sha256"));
        Assert.True(await a.EvalAsync<bool>("rtcstackTest.files[0].ok === true"));
        // The receiver offers a download link to the assembled Blob.
        Assert.StartsWith("blob:", await b.EvalAsync<string>("document.querySelector('#transfers a').href"));
        // What the user saves is the file itself: hash the downloadable Blob independently.
        var saved = await b.EvalAsync<string>(
            "(async () => { const buf = await (await fetch(document.querySelector('#transfers a').href)).arrayBuffer();" +
            " const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));" +
            " return buf.byteLength + ':' + [...d].map(x => x.toString(16).padStart(2, '0')).join(''); })()");
        Assert.Equal($"{50 * 1024 * 1024}:{sha}", saved);
        await b.ScreenshotAsync("file-transfer-done");
    }

    [Fact]
    public async Task A_transfer_cancelled_by_the_sender_stops_on_both_sides()
    {
        var (alice, bob) = await OpenPairAsync("cancel", "&media=0");
        await using var a = alice;
        await using var b = bob;
        // The sender cancels after its first megabyte, however fast the machine is.
        await a.EvalAsync("rtcstackTest.cancelSendsAfterBytes = 1024 * 1024");
        await a.EvalAsync("rtcstackTest.sendRandomFile(16 * 1024 * 1024, 'big.bin')");
        await a.WaitAsync("rtcstackTest.files.length === 1 && rtcstackTest.files[0].state === 'cancelled'", "the sender to cancel");
        await b.WaitAsync("rtcstackTest.files.length === 1 && rtcstackTest.files[0].state === 'cancelled'", "the receiver to see the cancel");
        Assert.True(await b.EvalAsync<int>("rtcstackTest.files[0].bytes") < 16 * 1024 * 1024);
        Assert.Contains("Cancelled", await b.Page.InnerTextAsync("#transfers"), StringComparison.Ordinal);
    }
}
