namespace RtcStack.Sdp.Tests;

public sealed class SdpParserTests
{
    [Fact]
    public void Parses_chromium_offer_session_and_transport()
    {
        var d = TestOffers.Parse(TestOffers.Chromium);
        Assert.Equal(["0", "1", "2"], d.BundleMids);
        Assert.Equal(3, d.Media.Count);
        Assert.Equal("7EnW", d.IceUfrag);
        Assert.Equal("ETt32Kl8e/m59k94TeWQWhAR", d.IcePwd);
        Assert.Equal(SetupRole.ActPass, d.Setup);
        var fp = d.Fingerprint!.Value;
        Assert.Equal("sha-256", fp.HashFunction);
        Assert.Equal(32, fp.Hash.Length);
        Assert.Equal(0x9D, fp.Hash.Span[0]);
        Assert.False(d.IceLite);
        Assert.All(d.Media, m => Assert.Equal(m.Media == "application" ? false : true, m.RtcpMux));
    }

    [Fact]
    public void Parses_chromium_audio_section()
    {
        var audio = TestOffers.Parse(TestOffers.Chromium).Media[0];
        Assert.Equal("audio", audio.Media);
        Assert.Equal("0", audio.Mid);
        Assert.Equal(MediaDirection.SendRecv, audio.Direction);
        var opus = audio.GetCodecs()[0];
        Assert.Equal(("opus", 111, 48000, 2), (opus.Name, opus.PayloadType, opus.ClockRate, opus.Channels));
        Assert.Equal("1", opus.FmtpParameter("useinbandfec"));
        Assert.Contains(new RtcpFeedback("transport-cc", null), opus.Feedback);
        Assert.Contains(audio.GetExtMaps(), e => e is { Id: 4, Uri: ExtMapAttribute.MidUri });
        Assert.Equal([3271380035u], audio.GetSsrcs());
        Assert.StartsWith("- ", audio.Msid, StringComparison.Ordinal);
        var candidates = audio.GetCandidates();
        Assert.Equal(2, candidates.Count);
        Assert.Equal(("udp", "127.0.0.1", 53780, "host"), (candidates[0].Transport, candidates[0].Address, candidates[0].Port, candidates[0].Type));
        Assert.Equal("active", candidates[1].TcpType);
    }

    [Fact]
    public void Parses_chromium_video_codecs_with_feedback_and_rtx()
    {
        var video = TestOffers.Parse(TestOffers.Chromium).Media[1];
        var codecs = video.GetCodecs();
        Assert.Equal(video.Formats.Count, codecs.Count);
        var vp8 = codecs.Single(c => c.PayloadType == 96);
        Assert.Equal("VP8", vp8.Name);
        Assert.Contains(new RtcpFeedback("nack", "pli"), vp8.Feedback);
        Assert.Contains(new RtcpFeedback("ccm", "fir"), vp8.Feedback);
        Assert.Equal(96, codecs.Single(c => c.PayloadType == 97).AssociatedPayloadType);
        Assert.Contains(codecs, c => c is { Name: "VP9", PayloadType: 98 });
        Assert.Contains(codecs, c => c is { Name: "AV1", PayloadType: 45 });
        Assert.Equal("42001f", codecs.Single(c => c.PayloadType == 102).FmtpParameter("profile-level-id"));
        Assert.Equal([(3164431498u, 2837762441u)], video.GetFidGroups());
        Assert.Contains(video.GetExtMaps(), e => e.Uri.EndsWith("rtp-stream-id", StringComparison.Ordinal));
    }

    [Fact]
    public void Parses_chromium_data_channel_section()
    {
        var app = TestOffers.Parse(TestOffers.Chromium).Media[2];
        Assert.True(app.IsApplication);
        Assert.Equal("UDP/DTLS/SCTP", app.Protocol);
        Assert.Equal(["webrtc-datachannel"], app.Formats);
        Assert.Equal(5000, app.SctpPort);
        Assert.Equal(262144, app.MaxMessageSize);
    }

    [Fact]
    public void Parses_chromium_simulcast_offer()
    {
        var video = TestOffers.Parse(TestOffers.ChromiumSimulcast).Media.Single();
        Assert.Equal(MediaDirection.SendOnly, video.Direction);
        Assert.Equal(["h", "m", "l"], video.GetRids().Select(r => r.Id));
        Assert.All(video.GetRids(), r => Assert.Equal("send", r.Direction));
        Assert.Equal(["h", "m", "l"], video.Simulcast!.Value.Send);
        Assert.Contains(video.GetExtMaps(), e => e.Uri.Contains("dependency-descriptor", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("chromium156-offer.sdp")]
    [InlineData("chromium156-simulcast-offer.sdp")]
    public void Round_trips_byte_for_byte(string file)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file));
        Assert.Equal(text, TestOffers.Parse(text).ToString());
    }

    [Theory]
    [InlineData("", SdpParseResult.Empty)]
    [InlineData("   \r\n", SdpParseResult.Empty)]
    [InlineData("v=1\r\n", SdpParseResult.BadVersion)]
    [InlineData("o=- 1 2 IN IP4 127.0.0.1\r\n", SdpParseResult.BadVersion)]
    [InlineData("v=0\r\nhello\r\n", SdpParseResult.MalformedLine)]
    [InlineData("v=0\r\nA=x\r\n", SdpParseResult.MalformedLine)]
    [InlineData("v=0\r\nm=audio\r\n", SdpParseResult.BadMediaLine)]
    [InlineData("v=0\r\nm=audio x UDP/TLS/RTP/SAVPF 111\r\n", SdpParseResult.BadMediaLine)]
    [InlineData("v=0\r\nm=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n", SdpParseResult.BadMediaLine)]
    [InlineData("v=0\r\nm=audio 9/x UDP/TLS/RTP/SAVPF 111\r\n", SdpParseResult.BadMediaLine)]
    [InlineData("v=0\nm=audio 9/2 RTP/AVP 0\n", SdpParseResult.Ok)]
    public void Rejects_malformed_text_as_values(string text, SdpParseResult expected) =>
        Assert.Equal(expected, SdpParser.TryParse(text, out _));

    [Fact]
    public void Rejects_oversized_text() =>
        Assert.Equal(SdpParseResult.TooLarge, SdpParser.TryParse("v=0\r\n" + new string('a', SdpParser.MaxLength), out _));

    [Theory]
    [InlineData("sha-256 AB:CD")]
    [InlineData("sha-256")]
    [InlineData("sha-256 ZZ:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00")]
    [InlineData(null)]
    public void Malformed_fingerprints_are_rejected(string? value) =>
        Assert.False(FingerprintAttribute.TryParse(value, out _));

    [Theory]
    [InlineData("96 VP8/90000", true)]
    [InlineData("111 opus/48000/2", true)]
    [InlineData("200 VP8/90000", false)]
    [InlineData("96 VP8", false)]
    [InlineData("96 VP8/x", false)]
    [InlineData("x VP8/90000", false)]
    public void Rtpmap_table(string value, bool ok) =>
        Assert.Equal(ok, RtpCodec.TryParseRtpMap(value, out _, out _, out _, out _));
}
