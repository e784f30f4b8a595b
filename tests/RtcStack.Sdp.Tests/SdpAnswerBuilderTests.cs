namespace RtcStack.Sdp.Tests;

public sealed class SdpAnswerBuilderTests
{
    internal static SdpAnswerOptions Options(Func<MediaDescription, uint?>? ssrc = null) => new()
    {
        IceUfrag = "abcdefgh",
        IcePwd = "0123456789abcdefghijklmn",
        Fingerprint = FingerprintAttribute.Sha256([1, 2, 3]),
        Candidates = [new CandidateAttribute("1", 1, "udp", 2130706431, "127.0.0.1", 50000, "host")],
        VideoCodecs = ["VP8"],
        MaxCodecsPerSection = 1,
        LocalSsrc = ssrc,
    };

    [Fact]
    public void Answers_chromium_offer_with_bundle_ice_lite_and_passive_setup()
    {
        var offer = TestOffers.Parse(TestOffers.Chromium);
        var answer = TestOffers.Parse(SdpAnswerBuilder.Build(offer, Options()).ToString());
        Assert.Equal(["0", "1", "2"], answer.BundleMids);
        Assert.True(answer.IceLite);
        Assert.Equal(SetupRole.Passive, answer.Setup);
        Assert.Equal("abcdefgh", answer.IceUfrag);
        Assert.Equal(FingerprintAttribute.Sha256([1, 2, 3]), answer.Fingerprint);
        Assert.All(answer.Media, m => Assert.Equal(SetupRole.Passive, m.Setup));
        Assert.All(answer.Media, m => Assert.Single(m.GetCandidates()));
        Assert.Equal(offer.Media.Select(m => m.Mid), answer.Media.Select(m => m.Mid));
    }

    [Fact]
    public void Narrows_codecs_feedback_and_extensions()
    {
        var answer = SdpAnswerBuilder.Build(TestOffers.Parse(TestOffers.Chromium), Options());
        var audio = answer.Media[0];
        Assert.Equal(["111"], audio.Formats);
        Assert.Equal([new ExtMapAttribute(4, ExtMapAttribute.MidUri)], audio.GetExtMaps());
        var video = answer.Media[1];
        var vp8 = Assert.Single(video.GetCodecs());
        Assert.Equal(("VP8", 96), (vp8.Name, vp8.PayloadType));
        Assert.Equal([new RtcpFeedback("ccm", "fir"), new RtcpFeedback("nack", "pli")], vp8.Feedback.OrderBy(f => f.Type));
        Assert.True(video.RtcpMux);
        Assert.Equal(MediaDirection.SendRecv, video.Direction);
        Assert.Empty(video.GetSsrcs());
    }

    [Fact]
    public void Writes_local_ssrc_and_msid_for_sending_sections()
    {
        var answer = SdpAnswerBuilder.Build(TestOffers.Parse(TestOffers.Chromium), Options(m => m.Media == "video" ? 1234u : null));
        Assert.Equal([1234u], answer.Media[1].GetSsrcs());
        Assert.Equal("rtcstack rtcstack-1", answer.Media[1].Msid);
        Assert.Null(answer.Media[0].Msid);
    }

    [Fact]
    public void Answers_data_channel_with_sctp_port_and_max_message_size()
    {
        var app = SdpAnswerBuilder.Build(TestOffers.Parse(TestOffers.Chromium), Options()).Media[2];
        Assert.Equal(("application", 5000, 262144L), (app.Media, app.SctpPort!.Value, app.MaxMessageSize!.Value));
        Assert.Equal(["webrtc-datachannel"], app.Formats);
    }

    [Fact]
    public void Rejects_sections_without_a_common_codec()
    {
        var options = new SdpAnswerOptions
        {
            IceUfrag = "abcdefgh", IcePwd = "0123456789abcdefghijklmn",
            Fingerprint = FingerprintAttribute.Sha256([1]), VideoCodecs = ["H265"],
        };
        var answer = SdpAnswerBuilder.Build(TestOffers.Parse(TestOffers.Chromium), options);
        Assert.Equal(0, answer.Media[1].Port);
        Assert.Equal(MediaDirection.Inactive, answer.Media[1].Direction);
        Assert.Equal(["0", "2"], answer.BundleMids);
    }

    [Fact]
    public void Answers_simulcast_send_with_recv_rids()
    {
        var video = SdpAnswerBuilder.Build(TestOffers.Parse(TestOffers.ChromiumSimulcast), Options()).Media[0];
        Assert.Equal(MediaDirection.RecvOnly, video.Direction);
        Assert.Equal(["h", "m", "l"], video.GetRids().Select(r => r.Id));
        Assert.All(video.GetRids(), r => Assert.Equal("recv", r.Direction));
        Assert.Equal(["h", "m", "l"], video.Simulcast!.Value.Receive);
    }

    [Theory]
    [InlineData(SetupRole.ActPass, SetupRole.Passive, SetupRole.Passive)]
    [InlineData(SetupRole.ActPass, SetupRole.Active, SetupRole.Active)]
    [InlineData(SetupRole.Active, SetupRole.Active, SetupRole.Passive)]
    [InlineData(SetupRole.Passive, SetupRole.Passive, SetupRole.Active)]
    public void Setup_role_table(SetupRole offered, SetupRole preferred, SetupRole expected) =>
        Assert.Equal(expected, SdpAnswerBuilder.ChooseSetup(offered, preferred));
}
