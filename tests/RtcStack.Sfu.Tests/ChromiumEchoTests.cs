using System.Text.Json;
using RtcStack.Dtls;

namespace RtcStack.Sfu.Tests;

/// <summary>The proof: real headless Chromium against our ICE-lite + DTLS-SRTP + SCTP echo.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumEchoTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task Chromium_gets_its_media_and_data_channel_messages_echoed()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        await using var page = await EchoPage.OpenAsync(chromium, host.BaseAddress.ToString());
        try
        {
            await page.WaitAnsweredAsync();

            // Video: the page decodes its own camera, sent back by the SFU; frames keep coming.
            await page.WaitVideoFlowingAsync();
            await page.WaitForAsync("() => e2e.stats.audio && e2e.stats.audio.packetsReceived > 20");

            var transport = await page.EvaluateAsync<JsonElement>("() => e2e.stats.transport");
            Assert.Equal("connected", transport.GetProperty("dtlsState").GetString());
            Assert.Equal("SRTP_AEAD_AES_128_GCM", transport.GetProperty("srtpCipher").GetString());
            Assert.Equal("FEFD", transport.GetProperty("tlsVersion").GetString());
            Assert.Equal("client", transport.GetProperty("dtlsRole").GetString());

            // Data channels: 1000 mixed messages (text and binary, 0 B to 256 KiB) in order; unordered maxRetransmits 0.
            await page.WaitForAsync("() => e2e.reliable.ok !== null || e2e.errors.length > 0");
            Assert.Equal("ok", await page.EvaluateAsync<string>("() => e2e.reliable.ok"));
            // maxRetransmits 0 may lose messages by design: require that echoes arrive, not all 100.
            await page.WaitForAsync("() => e2e.unordered.received > 0");
            Assert.Empty(await page.ErrorsAsync());

            Assert.Equal(1, host.Echo.ActiveSessions);
        }
        catch (TimeoutException)
        {
            Assert.Fail("Timed out; page state: " + await page.StateAsync() + "; counters: " + meters);
        }
    }

    [Fact]
    public async Task Chromium_echo_works_over_ice_tcp()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        await using var page = await EchoPage.OpenAsync(chromium, host.BaseAddress + "?tcp");
        try
        {
            await page.WaitAnsweredAsync();
            await page.WaitVideoFlowingAsync();
            var pair = await page.EvaluateAsync<JsonElement>("() => e2e.stats.pair");
            Assert.Equal("tcp", pair.GetProperty("remoteProtocol").GetString());
            Assert.Equal("connected", await page.EvaluateAsync<string>("() => e2e.stats.transport.dtlsState"));
            await page.WaitForAsync("() => e2e.reliable.ok !== null");
            Assert.Equal("ok", await page.EvaluateAsync<string>("() => e2e.reliable.ok"));
        }
        catch (TimeoutException)
        {
            Assert.Fail("Timed out; page state: " + await page.StateAsync() + "; counters: " + meters);
        }
    }

    [Fact]
    public async Task Chromium_with_a_fingerprint_that_does_not_match_is_refused()
    {
        using var meters = new MeterDump();
        await using var host = await EchoHost.StartAsync();
        await using var page = await EchoPage.OpenAsync(chromium, host.BaseAddress + "?badfp");
        await page.WaitAnsweredAsync();
        await page.WaitForAsync(
            "() => e2e.connectionState === 'failed' || (e2e.stats && e2e.stats.transport && e2e.stats.transport.dtlsState === 'failed')");
        // Counted when our handshake ends, which may be after Chromium reported the failure.
        Assert.True(await meters.WaitAsync("rtcstack.dtls.handshakes result=CertificateRejected", 1) >= 1, meters.ToString());
        Assert.Equal(0, await page.EvaluateAsync<int>("() => (e2e.stats && e2e.stats.video) ? e2e.stats.video.framesDecoded : 0"));
    }
}
