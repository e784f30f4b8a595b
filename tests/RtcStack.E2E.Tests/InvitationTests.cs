namespace RtcStack.E2E.Tests;

[Collection(E2ECollection.Name)]
public sealed class InvitationTests(BrowserFixture fx)
{
    private static string Unique(string name) => $"{name}{Guid.NewGuid():N}"[..12];

    private Task<(AppPage Caller, AppPage Callee, string CalleeId)> OpenTwoAsync() => OpenTwoAsync(fx.Server);

    private async Task<(AppPage Caller, AppPage Callee, string CalleeId)> OpenTwoAsync(TestServer server)
    {
        var caller = Unique("carol");
        var callee = Unique("dave");
        var a = await fx.OpenAsync(server, $"name={caller}&media=0");
        var b = await fx.OpenAsync(server, $"name={callee}&media=0");
        await a.WaitAsync("rtcstackTest.state === 'connected'", "the caller online");
        await b.WaitAsync("rtcstackTest.state === 'connected'", "the callee online");
        return (a, b, callee);
    }

    private static async Task CallAsync(AppPage caller, string callee)
    {
        await caller.Page.FillAsync("#callee", callee);
        await caller.Page.ClickAsync("#call-btn");
    }

    /// <summary>Two pages online, the caller has called the callee and the callee rings; on failure both pages are closed.</summary>
    private async Task<(AppPage Caller, AppPage Callee, string CalleeId)> RingingAsync()
    {
        var (caller, callee, calleeId) = await OpenTwoAsync();
        try
        {
            await CallAsync(caller, calleeId);
            await callee.WaitAsync("rtcstackTest.callState === 'ringing-in'", "the callee to ring");
            return (caller, callee, calleeId);
        }
        catch
        {
            try
            {
                await caller.DisposeAsync();
            }
            finally
            {
                await callee.DisposeAsync(); // even when closing the caller's page fails
            }
            throw;
        }
    }

    [Fact]
    public async Task Ring_then_accept_connects_the_call()
    {
        var (caller, callee, calleeId) = await RingingAsync();
        await using var a = caller;
        await using var b = callee;
        await a.WaitAsync("rtcstackTest.callState === 'ringing-out'", "the caller to hear ringing");
        await b.ScreenshotAsync("invitation-incoming");
        await b.Page.ClickAsync("#ring-accept");
        await a.WaitAsync("rtcstackTest.view === 'call' && rtcstackTest.callLog.includes('accepted')", "the caller in the call");
        await b.WaitAsync("rtcstackTest.view === 'call'", "the callee in the call");
        await a.WaitAsync($"rtcstackTest.peerStates['{calleeId}'] === 'connected'", "the peer connection");

        // Hanging up ends the call for both.
        await a.Page.ClickAsync("#btn-leave");
        await b.WaitAsync("rtcstackTest.view === 'lobby' && rtcstackTest.callLog.includes('hangup')", "the callee to see the hangup");
    }

    [Fact]
    public async Task Ring_then_decline_tells_the_caller()
    {
        var (caller, callee, _) = await RingingAsync();
        await using var a = caller;
        await using var b = callee;
        await b.Page.ClickAsync("#ring-decline");
        await a.WaitAsync("rtcstackTest.callLog.includes('declined') && rtcstackTest.callState === 'idle'", "the caller to see the decline");
        Assert.Equal("lobby", await a.EvalAsync<string>("rtcstackTest.view"));
    }

    [Fact]
    public async Task Ring_then_cancel_shows_a_missed_call()
    {
        var (caller, callee, _) = await RingingAsync();
        await using var a = caller;
        await using var b = callee;
        await a.WaitAsync("rtcstackTest.callState === 'ringing-out'", "the caller to hear ringing");
        await a.Page.ClickAsync("#ring-decline");
        await b.WaitAsync("rtcstackTest.callLog.includes('missed') && rtcstackTest.callState === 'idle'", "the callee to see a missed call");
    }

    [Fact]
    public async Task Ring_without_answer_times_out_for_both()
    {
        // Its own server with a short ring time (the shared one rings for 30 s so that accepting and
        // declining never race the timeout on a slow machine).
        await using var server = new TestServer(ringTimeoutMs: 3000);
        await server.StartAsync();
        var (caller, callee, calleeId) = await OpenTwoAsync(server);
        await using var a = caller;
        await using var b = callee;
        await CallAsync(a, calleeId);
        await b.WaitAsync("rtcstackTest.invites.length === 1", "the callee to get the invitation");
        await a.WaitAsync("rtcstackTest.callLog.includes('no-answer')", "the caller to give up", 60_000);
        await b.WaitAsync("rtcstackTest.callLog.includes('missed')", "the callee to see a missed call", 60_000);
        Assert.Equal("idle", await a.EvalAsync<string>("rtcstackTest.callState"));
    }
}
