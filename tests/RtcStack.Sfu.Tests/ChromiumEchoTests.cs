using System.Text.Json;
using Microsoft.Playwright;
using RtcStack.Dtls;

namespace RtcStack.Sfu.Tests;

/// <summary>The proof: real headless Chromium against our ICE-lite + DTLS-SRTP + SCTP echo.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumEchoTests(ChromiumFixture chromium)
{
    private static readonly PageWaitForFunctionOptions Wait = new() { Timeout = 90_000, PollingInterval = 200 };

    [Fact]
    public async Task Chromium_gets_its_media_and_data_channel_messages_echoed()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseAddress.ToString(), new() { Timeout = 60_000 });
        try
        {
            await page.WaitForFunctionAsync("() => e2e.answered || e2e.errors.length > 0", null, Wait);
            Assert.Empty(await Errors(page));

            // Video: the page decodes its own camera, sent back by the SFU; frames keep coming.
            await page.WaitForFunctionAsync("() => e2e.stats && e2e.stats.video && e2e.stats.video.framesDecoded >= 5", null, Wait);
            var first = await FramesDecoded(page);
            await page.WaitForFunctionAsync($"() => e2e.stats.video.framesDecoded > {first + 10}", null, Wait);
            await page.WaitForFunctionAsync("() => e2e.stats.audio && e2e.stats.audio.packetsReceived > 20", null, Wait);

            var transport = (await page.EvaluateAsync<JsonElement>("() => e2e.stats.transport"));
            Assert.Equal("connected", transport.GetProperty("dtlsState").GetString());
            Assert.Equal("SRTP_AEAD_AES_128_GCM", transport.GetProperty("srtpCipher").GetString());
            Assert.Equal("FEFD", transport.GetProperty("tlsVersion").GetString());
            Assert.Equal("client", transport.GetProperty("dtlsRole").GetString());

            // Data channels: 1000 mixed messages (text and binary, 0 B to 256 KiB) in order; unordered maxRetransmits 0.
            await page.WaitForFunctionAsync("() => e2e.reliable.ok !== null || e2e.errors.length > 0", null, Wait);
            Assert.Equal("ok", await page.EvaluateAsync<string>("() => e2e.reliable.ok"));
            // maxRetransmits 0 may lose messages by design: require that echoes arrive, not all 100.
            await page.WaitForFunctionAsync("() => e2e.unordered.received > 0", null, Wait);
            Assert.Empty(await Errors(page));

            Assert.Equal(1, host.Echo.ActiveSessions);
        }
        catch (TimeoutException)
        {
            var state = await page.EvaluateAsync<JsonElement>("() => ({ errors: e2e.errors, stats: e2e.stats, reliable: e2e.reliable, unordered: e2e.unordered })");
            Assert.Fail("Timed out; page state: " + state.GetRawText() + "; counters: " + meters);
        }
    }

    [Fact]
    public async Task Chromium_echo_works_over_ice_tcp()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseAddress + "?tcp", new() { Timeout = 60_000 });
        try
        {
            await page.WaitForFunctionAsync("() => e2e.answered || e2e.errors.length > 0", null, Wait);
            Assert.Empty(await Errors(page));
            await page.WaitForFunctionAsync("() => e2e.stats && e2e.stats.video && e2e.stats.video.framesDecoded >= 5", null, Wait);
            var first = await FramesDecoded(page);
            await page.WaitForFunctionAsync($"() => e2e.stats.video.framesDecoded > {first + 10}", null, Wait);
            var pair = await page.EvaluateAsync<JsonElement>("() => e2e.stats.pair");
            Assert.Equal("tcp", pair.GetProperty("remoteProtocol").GetString());
            Assert.Equal("connected", await page.EvaluateAsync<string>("() => e2e.stats.transport.dtlsState"));
            await page.WaitForFunctionAsync("() => e2e.reliable.ok !== null", null, Wait);
            Assert.Equal("ok", await page.EvaluateAsync<string>("() => e2e.reliable.ok"));
        }
        catch (TimeoutException)
        {
            var state = await page.EvaluateAsync<JsonElement>("() => ({ errors: e2e.errors, stats: e2e.stats, reliable: e2e.reliable })");
            Assert.Fail("Timed out; page state: " + state.GetRawText() + "; counters: " + meters);
        }
    }

    [Fact]
    public async Task Chromium_with_a_fingerprint_that_does_not_match_is_refused()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseAddress + "?badfp", new() { Timeout = 60_000 });
        await page.WaitForFunctionAsync("() => e2e.answered || e2e.errors.length > 0", null, Wait);
        Assert.Empty(await Errors(page));
        await page.WaitForFunctionAsync(
            "() => e2e.connectionState === 'failed' || (e2e.stats && e2e.stats.transport && e2e.stats.transport.dtlsState === 'failed')", null, Wait);
        // Counted when our handshake ends, which may be after Chromium reported the failure.
        Assert.True(await meters.WaitAsync("rtcstack.dtls.handshakes result=CertificateRejected", 1) >= 1, meters.ToString());
        Assert.Equal(0, await page.EvaluateAsync<int>("() => (e2e.stats && e2e.stats.video) ? e2e.stats.video.framesDecoded : 0"));
    }

    private static async Task<int> FramesDecoded(IPage page) =>
        await page.EvaluateAsync<int>("() => e2e.stats.video.framesDecoded");

    private static async Task<string[]> Errors(IPage page) =>
        await page.EvaluateAsync<string[]>("() => e2e.errors");
}
