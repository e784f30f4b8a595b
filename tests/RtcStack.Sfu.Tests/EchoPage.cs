using System.Text.Json;
using Microsoft.Playwright;

namespace RtcStack.Sfu.Tests;

/// <summary>
/// The echo test page (served by <see cref="EchoHost"/>) open in a fresh browser context, with the waits every
/// Chromium echo test makes. The page keeps its state in the global <c>e2e</c> object.
/// </summary>
internal sealed class EchoPage : IAsyncDisposable
{
    private static readonly PageWaitForFunctionOptions Wait = new() { Timeout = 90_000, PollingInterval = 200 };
    private readonly IBrowserContext _context;

    private EchoPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
    }

    public IPage Page { get; }

    public static async Task<EchoPage> OpenAsync(ChromiumFixture chromium, string url)
    {
        IBrowserContext context = await chromium.Browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(url, new() { Timeout = 60_000 });
        return new EchoPage(context, page);
    }

    public async Task WaitForAsync(string predicate) => await Page.WaitForFunctionAsync(predicate, null, Wait);

    public async Task<T> EvaluateAsync<T>(string expression) => await Page.EvaluateAsync<T>(expression);

    public async Task<string[]> ErrorsAsync() => await EvaluateAsync<string[]>("() => e2e.errors");

    /// <summary>Waits until the page has applied our answer (or reported an error) and asserts there is no error.</summary>
    public async Task WaitAnsweredAsync()
    {
        await WaitForAsync("() => e2e.answered || e2e.errors.length > 0");
        Assert.Empty(await ErrorsAsync());
    }

    /// <summary>Waits until the page decodes its own video sent back to it, and keeps decoding (10 frames more).</summary>
    public async Task WaitVideoFlowingAsync()
    {
        await WaitForAsync("() => e2e.stats && e2e.stats.video && e2e.stats.video.framesDecoded >= 5");
        int first = await EvaluateAsync<int>("() => e2e.stats.video.framesDecoded");
        await WaitForAsync($"() => e2e.stats.video.framesDecoded > {first + 10}");
    }

    /// <summary>The page's state as JSON, for a failure message.</summary>
    public async Task<string> StateAsync() =>
        (await EvaluateAsync<JsonElement>(
            "() => ({ errors: e2e.errors, stats: e2e.stats, reliable: e2e.reliable, unordered: e2e.unordered, connectionState: e2e.connectionState })"))
        .GetRawText();

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
