namespace RtcStack.Sdp.Tests;

/// <summary>Offers captured from headless Chromium 156 (fake devices, loopback) on this machine.</summary>
internal static class TestOffers
{
    /// <summary>audio + video sendrecv + data channel.</summary>
    public static string Chromium => Read("chromium156-offer.sdp");

    /// <summary>video sendonly with three simulcast encodings (rid h, m, l).</summary>
    public static string ChromiumSimulcast => Read("chromium156-simulcast-offer.sdp");

    private static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", name));

    public static SessionDescription Parse(string text)
    {
        Assert.Equal(SdpParseResult.Ok, SdpParser.TryParse(text, out var d));
        return d!;
    }
}
