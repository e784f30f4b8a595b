using Microsoft.Playwright;

namespace RtcStack.E2E.Tests;

/// <summary>
/// Starts the RtcStack server (in process, on a free 127.0.0.1 port, in dev mode) and one headless
/// Debian Chromium with a fake camera and microphone, shared by every test in <see cref="E2ECollection"/>.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
    ];

    private IPlaywright? playwright;
    private IBrowser? browser;

    public TestServer Server { get; } = new();

    public IBrowser Browser => browser ?? throw new InvalidOperationException("the browser is not started");

    /// <summary>Where screenshots go: next to the test binaries, so CI keeps them with the output.</summary>
    public static string ArtifactsDir { get; } = Path.Combine(AppContext.BaseDirectory, "e2e-artifacts");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ArtifactsDir);
        await Server.StartAsync();
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }

        playwright?.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Opens the app in a fresh browser context (its own storage, like a separate person).</summary>
    public Task<AppPage> OpenAsync(string query) => OpenAsync(Server, query);

    /// <summary>Opens the app served by <paramref name="server"/> in a fresh browser context.</summary>
    public async Task<AppPage> OpenAsync(TestServer server, string query)
    {
        ArgumentNullException.ThrowIfNull(server);
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 720 },
        });
        var page = await context.NewPageAsync();
        var app = new AppPage(context, page);
        await page.GotoAsync($"{server.BaseUrl}/?{query}", new PageGotoOptions { Timeout = 60_000 });
        await app.WaitAsync("rtcstackTest.ready === true", "the page to start");
        return app;
    }
}
