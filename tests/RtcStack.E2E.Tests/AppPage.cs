using System.Text.Json;
using Microsoft.Playwright;

namespace RtcStack.E2E.Tests;

/// <summary>One person's tab: the app page plus helpers that poll its <c>window.rtcstackTest</c> hook.</summary>
public sealed class AppPage : IAsyncDisposable
{
    /// <summary>Generous: the CI machine has two cores shared by many jobs.</summary>
    public const float WaitMs = 45_000;

    private readonly IBrowserContext context;
    private readonly List<string> consoleErrors = [];

    public AppPage(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.PageError += (_, e) => { lock (consoleErrors) { consoleErrors.Add(e); } };
    }

    public IPage Page { get; }

    /// <summary>Uncaught exceptions in the page so far.</summary>
    public IReadOnlyList<string> PageErrors
    {
        get { lock (consoleErrors) { return [.. consoleErrors]; } }
    }

    /// <summary>Waits until the synchronous JS expression is truthy; on timeout, fails with the hook's state.</summary>
    public async Task WaitAsync(string expression, string what, float timeoutMs = WaitMs)
    {
        try
        {
            await Page.WaitForFunctionAsync($"() => {{ try {{ return !!({expression}); }} catch {{ return false; }} }}", null,
                new PageWaitForFunctionOptions { Timeout = timeoutMs, PollingInterval = 200 });
        }
        catch (TimeoutException)
        {
            var state = await DescribeAsync();
            throw new TimeoutException($"timed out after {timeoutMs} ms waiting for {what} ({expression}); page state: {state}");
        }
    }

    public Task<T> EvalAsync<T>(string expression) => Page.EvaluateAsync<T>(expression);

    public Task EvalAsync(string expression) => Page.EvaluateAsync(expression);

    /// <summary>A JSON summary of the hook for failure messages (without the large arrays).</summary>
    public async Task<string> DescribeAsync()
    {
        try
        {
            var json = await Page.EvaluateAsync<JsonElement>(
                "() => { const T = window.rtcstackTest || {}; return JSON.stringify({ state: T.state, view: T.view, callState: T.callState, " +
                "peerId: T.peerId, error: T.error, members: T.members, peerStates: T.peerStates, frames: T.frames, audio: T.audio, pairs: T.pairs, " +
                "chat: (T.chat || []).length, files: T.files, callLog: T.callLog, resumed: T.resumed, log: (T.log || []).slice(-15) }); }");
            return json.GetString() ?? "";
        }
        catch (PlaywrightException e)
        {
            return $"<unavailable: {e.Message}>";
        }
    }

    /// <summary>Saves a PNG of the page under the artifacts folder.</summary>
    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDir, $"{name}.png") });

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}
