using System.Globalization;

namespace RtcStack.Sdp;

/// <summary>
/// Builds a JSEP answer (RFC 8829 §5.3) to a browser offer: one section per offered section, unsupported
/// ones rejected with port 0, codecs, feedback and header extensions narrowed to what we support, and
/// one BUNDLE group over the accepted sections.
/// </summary>
public static class SdpAnswerBuilder
{
    /// <summary>Builds the answer. The offer is not modified.</summary>
    public static SessionDescription Build(SessionDescription offer, SdpAnswerOptions options)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(options);
        var answer = new SessionDescription();
        answer.Lines.Add(new SdpLine('v', "0"));
        answer.Lines.Add(new SdpLine('o', string.Create(CultureInfo.InvariantCulture,
            $"- {Random.Shared.NextInt64(1, long.MaxValue)} 2 IN IP4 127.0.0.1")));
        answer.Lines.Add(new SdpLine('s', "-"));
        answer.Lines.Add(new SdpLine('t', "0 0"));
        var accepted = new List<string>();
        foreach (var m in offer.Media)
        {
            var section = AnswerSection(m, options);
            answer.Media.Add(section);
            if (section.Port != 0 && section.Mid is { } mid)
            {
                accepted.Add(mid);
            }
        }
        var bundle = offer.BundleMids.Where(accepted.Contains).ToList();
        if (bundle.Count > 0)
        {
            answer.AddAttribute("group", "BUNDLE " + string.Join(' ', bundle));
        }
        answer.AddAttribute("extmap-allow-mixed");
        answer.AddAttribute("msid-semantic", " WMS " + options.StreamId);
        if (options.IceLite)
        {
            answer.AddAttribute("ice-lite");
        }
        return answer;
    }

    private static MediaDescription AnswerSection(MediaDescription offered, SdpAnswerOptions o)
    {
        if (offered.Port == 0)
        {
            return Rejected(offered);
        }
        if (offered.IsApplication)
        {
            return o.AcceptDataChannels && offered.Protocol.EndsWith("SCTP", StringComparison.Ordinal)
                ? Application(offered, o) : Rejected(offered);
        }
        var names = offered.Media switch { "audio" => o.AudioCodecs, "video" => o.VideoCodecs, _ => [] };
        var codecs = ChooseCodecs(offered.GetCodecs(), names, o.MaxCodecsPerSection);
        if (codecs.Count == 0)
        {
            return Rejected(offered);
        }
        var m = new MediaDescription(offered.Media, 9, offered.Protocol, codecs.Select(c => c.PayloadType.ToString(CultureInfo.InvariantCulture)));
        m.Lines.Add(new SdpLine('c', "IN IP4 0.0.0.0"));
        m.AddAttribute("rtcp", "9 IN IP4 0.0.0.0");
        AddTransport(m, offered, o);
        foreach (var ext in offered.GetExtMaps().Where(e => o.HeaderExtensions.Contains(e.Uri)))
        {
            m.AddAttribute("extmap", new ExtMapAttribute(ext.Id, ext.Uri).ToString());
        }
        var direction = o.Direction?.Invoke(offered) ?? Mirror(offered.Direction);
        m.AddAttribute(SdpAttributes.ToSdp(direction));
        var ssrc = direction is MediaDirection.SendRecv or MediaDirection.SendOnly ? o.LocalSsrc?.Invoke(offered) : null;
        var trackId = o.StreamId + "-" + offered.Mid;
        if (ssrc is not null)
        {
            m.AddAttribute("msid", o.StreamId + " " + trackId);
        }
        m.AddAttribute("rtcp-mux");
        if (offered.HasAttribute("rtcp-rsize"))
        {
            m.AddAttribute("rtcp-rsize");
        }
        AddCodecs(m, codecs, o);
        AddSimulcast(m, offered);
        if (ssrc is { } s)
        {
            m.AddAttribute("ssrc", string.Create(CultureInfo.InvariantCulture, $"{s} cname:{o.CName}"));
            m.AddAttribute("ssrc", string.Create(CultureInfo.InvariantCulture, $"{s} msid:{o.StreamId} {trackId}"));
        }
        return m;
    }

    private static MediaDescription Application(MediaDescription offered, SdpAnswerOptions o)
    {
        var m = new MediaDescription("application", 9, offered.Protocol, offered.Formats);
        m.Lines.Add(new SdpLine('c', "IN IP4 0.0.0.0"));
        AddTransport(m, offered, o);
        m.AddAttribute("sctp-port", o.SctpPort.ToString(CultureInfo.InvariantCulture));
        m.AddAttribute("max-message-size", o.MaxMessageSize.ToString(CultureInfo.InvariantCulture));
        return m;
    }

    private static void AddTransport(MediaDescription m, MediaDescription offered, SdpAnswerOptions o)
    {
        m.AddAttribute("ice-ufrag", o.IceUfrag);
        m.AddAttribute("ice-pwd", o.IcePwd);
        m.AddAttribute("fingerprint", o.Fingerprint.ToString());
        m.AddAttribute("setup", SdpAttributes.ToSdp(ChooseSetup(offered.Setup, o.PreferredSetup)));
        if (offered.Mid is { } mid)
        {
            m.AddAttribute("mid", mid);
        }
        foreach (var c in o.Candidates)
        {
            m.AddAttribute("candidate", c.ToString());
        }
        if (o.Candidates.Count > 0)
        {
            m.AddAttribute("end-of-candidates");
        }
    }

    /// <summary>RFC 8842 §5.3: answer actpass with our preference, active with passive and vice versa.</summary>
    public static SetupRole ChooseSetup(SetupRole offered, SetupRole preferred) => offered switch
    {
        SetupRole.Active => SetupRole.Passive,
        SetupRole.Passive => SetupRole.Active,
        _ => preferred == SetupRole.Active ? SetupRole.Active : SetupRole.Passive,
    };

    private static MediaDirection Mirror(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => MediaDirection.RecvOnly,
        MediaDirection.RecvOnly => MediaDirection.SendOnly,
        _ => d,
    };

    private static List<RtpCodec> ChooseCodecs(IReadOnlyList<RtpCodec> offered, IReadOnlyList<string> names, int max)
    {
        var chosen = new List<RtpCodec>();
        foreach (var name in names)
        {
            foreach (var c in offered)
            {
                if (chosen.Count < max && string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    chosen.Add(c);
                }
            }
        }
        return chosen;
    }

    private static void AddCodecs(MediaDescription m, List<RtpCodec> codecs, SdpAnswerOptions o)
    {
        foreach (var c in codecs)
        {
            m.AddAttribute("rtpmap", c.RtpMapValue());
            foreach (var fb in c.Feedback.Where(f => o.RtcpFeedback.Contains(f.ToString())).Distinct())
            {
                m.AddAttribute("rtcp-fb", c.PayloadType.ToString(CultureInfo.InvariantCulture) + " " + fb);
            }
            if (c.Fmtp is not null)
            {
                m.AddAttribute("fmtp", c.PayloadType.ToString(CultureInfo.InvariantCulture) + " " + c.Fmtp);
            }
        }
    }

    /// <summary>RFC 8853 §5.3: offered send rids are answered as recv rids.</summary>
    private static void AddSimulcast(MediaDescription m, MediaDescription offered)
    {
        if (offered.Simulcast is not { Send.Count: > 0 } sim)
        {
            return;
        }
        foreach (var rid in offered.GetRids().Where(r => r.Direction == "send"))
        {
            m.AddAttribute("rid", rid.Id + " recv");
        }
        m.AddAttribute("simulcast", new SimulcastAttribute([], sim.Send).ToString());
    }

    private static MediaDescription Rejected(MediaDescription offered)
    {
        var m = new MediaDescription(offered.Media, 0, offered.Protocol, offered.Formats.Take(1));
        m.Lines.Add(new SdpLine('c', "IN IP4 0.0.0.0"));
        if (offered.Mid is { } mid)
        {
            m.AddAttribute("mid", mid);
        }
        m.AddAttribute("inactive");
        return m;
    }
}
