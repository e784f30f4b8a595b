using System.Net.Http.Json;
using System.Text.Json;

namespace RtcStack.E2E.Tests;

/// <summary>What a user sees when something is wrong: each case must end in a clear sentence on the page.</summary>
[Collection(E2ECollection.Name)]
public sealed class ErrorMessageTests(BrowserFixture fx)
{
    [Fact]
    public async Task A_bad_token_shows_a_clear_error()
    {
        await using var p = await fx.OpenAsync("token=not-a-real-token&room=x&autojoin=1&media=0");
        await p.WaitAsync("rtcstackTest.error !== null", "an error");
        Assert.Equal("invalid-token", await p.EvalAsync<string>("rtcstackTest.error.code"));
        Assert.Contains("token is not valid", await p.Page.InnerTextAsync("#lobby-error"), StringComparison.Ordinal);
        Assert.Equal("failed", await p.EvalAsync<string>("rtcstackTest.state"));
        Assert.Equal("Disconnected", await p.Page.InnerTextAsync("#status-text"));
        await p.ScreenshotAsync("error-bad-token");
    }

    [Fact]
    public async Task An_expired_token_shows_a_clear_error()
    {
        using var http = new HttpClient();
        var minted = await http.GetFromJsonAsync<JsonElement>($"{fx.Server.BaseUrl}/api/dev-token?sub=late&room=*&ttl=1");
        var token = minted.GetProperty("token").GetString();
        await Task.Delay(2500); // let it expire (exp has one-second resolution)

        await using var p = await fx.OpenAsync($"token={Uri.EscapeDataString(token!)}&room=x&autojoin=1&media=0");
        await p.WaitAsync("rtcstackTest.error !== null", "an error");
        Assert.Equal("token-expired", await p.EvalAsync<string>("rtcstackTest.error.code"));
        Assert.Contains("expired", await p.Page.InnerTextAsync("#lobby-error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_room_says_so()
    {
        await using var server = new TestServer(30_000, "--Signaling:RoomCapacity=1");
        await server.StartAsync();
        await using var first = await fx.OpenAsync(server, "name=First&room=small&autojoin=1&media=0");
        await first.WaitAsync("rtcstackTest.view === 'call'", "the first member in the room");
        await using var second = await fx.OpenAsync(server, "name=Second&room=small&autojoin=1&media=0");
        await second.WaitAsync("rtcstackTest.error !== null", "an error");
        Assert.Equal("room-full", await second.EvalAsync<string>("rtcstackTest.error.code"));
        Assert.Contains("room is full", await second.Page.InnerTextAsync("#lobby-error"), StringComparison.Ordinal);
        Assert.Equal("lobby", await second.EvalAsync<string>("rtcstackTest.view"));
        await second.ScreenshotAsync("error-room-full");
    }

    [Fact]
    public async Task A_denied_camera_explains_itself_and_the_room_still_works()
    {
        // The browser's permission prompt answering "Block": getUserMedia rejects with NotAllowedError.
        var context = await fx.Browser.NewContextAsync();
        await context.AddInitScriptAsync(
            "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));");
        var page = await context.NewPageAsync();
        await using var p = new AppPage(context, page);
        var room = $"denied-{Guid.NewGuid():N}"[..20];
        await page.GotoAsync($"{fx.Server.BaseUrl}/?name=Nocam&room={room}");
        await p.WaitAsync("rtcstackTest.mediaError === 'NotAllowedError' && rtcstackTest.state === 'connected'", "the camera to be refused");
        Assert.True(await page.IsVisibleAsync("#lobby-error"));
        Assert.Contains("access was denied", await page.InnerTextAsync("#lobby-error"), StringComparison.Ordinal);
        await p.ScreenshotAsync("error-camera-denied-lobby");
        await page.ClickAsync("#join-btn");
        await p.WaitAsync("rtcstackTest.view === 'call'", "joining without a camera");
        Assert.Contains("access was denied", await page.InnerTextAsync("#banner"), StringComparison.Ordinal);

        await using var other = await fx.OpenAsync($"name=Other&room={room}&autojoin=1");
        await p.WaitAsync("rtcstackTest.frames['other'] > 0", "seeing the other member anyway");
    }
}
