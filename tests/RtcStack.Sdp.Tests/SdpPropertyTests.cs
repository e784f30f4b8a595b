using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace RtcStack.Sdp.Tests;

public sealed class SdpPropertyTests
{
    [Property(MaxTest = 500)]
    public void Parsing_never_throws_for_any_string(string? text)
    {
        if (SdpParser.TryParse(text, out var d) == SdpParseResult.Ok)
        {
            ReadEverything(d!);
        }
    }

    [Property(MaxTest = 200)]
    public void Fingerprint_round_trips(byte[] certificate)
    {
        var fp = FingerprintAttribute.Sha256(certificate);
        Assert.True(FingerprintAttribute.TryParse(fp.ToString(), out var parsed));
        Assert.Equal(fp, parsed);
        Assert.True(parsed.Matches(certificate));
    }

    /// <summary>Bounded mutation fuzz of a real offer: flip, delete and insert characters, then read every view.</summary>
    [Fact]
    public void Mutated_chromium_offers_never_throw()
    {
        var rng = new Random(5);
        var source = TestOffers.Chromium;
        const string alphabet = " :/=;\r\n0123456789abcxyzAZ-~*";
        for (var i = 0; i < 1500; i++)
        {
            var chars = source.ToCharArray().ToList();
            var edits = rng.Next(1, 20);
            for (var e = 0; e < edits; e++)
            {
                var at = rng.Next(chars.Count);
                switch (rng.Next(3))
                {
                    case 0: chars[at] = alphabet[rng.Next(alphabet.Length)]; break;
                    case 1: chars.RemoveAt(at); break;
                    default: chars.Insert(at, alphabet[rng.Next(alphabet.Length)]); break;
                }
            }
            if (SdpParser.TryParse(new string([.. chars]), out var d) == SdpParseResult.Ok)
            {
                ReadEverything(d!);
                _ = SdpAnswerBuilder.Build(d!, SdpAnswerBuilderTests.Options()).ToString();
            }
        }
    }

    [Property(MaxTest = 100)]
    public Property Written_descriptions_parse_back_identically() =>
        Prop.ForAll(Gen.Elements("audio", "video", "application").ArrayOf().ToArbitrary(), kinds =>
        {
            var d = new SessionDescription();
            d.Lines.Add(new SdpLine('v', "0"));
            d.AddAttribute("group", "BUNDLE " + string.Join(' ', Enumerable.Range(0, kinds.Length)));
            for (var i = 0; i < kinds.Length; i++)
            {
                var m = new MediaDescription(kinds[i], 9, "UDP/TLS/RTP/SAVPF", ["96"]);
                m.AddAttribute("mid", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                m.AddAttribute("rtpmap", "96 VP8/90000");
                d.Media.Add(m);
            }
            var text = d.ToString();
            return SdpParser.TryParse(text, out var back) == SdpParseResult.Ok && back!.ToString() == text
                && back.Media.Count == kinds.Length;
        });

    private static void ReadEverything(SessionDescription d)
    {
        _ = (d.BundleMids, d.IceUfrag, d.IcePwd, d.Fingerprint, d.Setup, d.IceLite, d.ToString());
        foreach (var m in d.Media)
        {
            _ = (m.Mid, m.Direction, m.Setup, m.Fingerprint, m.RtcpMux, m.SctpPort, m.MaxMessageSize, m.Msid, m.Simulcast);
            _ = (m.GetCodecs(), m.GetExtMaps(), m.GetRids(), m.GetSsrcs(), m.GetFidGroups(), m.GetCandidates());
            foreach (var c in m.GetCodecs())
            {
                _ = (c.AssociatedPayloadType, c.FmtpParameter("apt"), c.RtpMapValue());
            }
        }
    }
}
