using System.Globalization;

namespace RtcStack.Sdp;

/// <summary>
/// One media section: the <c>m=</c> line (RFC 8866 §5.14) and every line after it, kept in order so
/// a parsed description writes back unchanged. Typed views (codecs, fingerprint, rids…) read the lines.
/// </summary>
public sealed class MediaDescription
{
    /// <summary>Creates a media section.</summary>
    public MediaDescription(string media, int port, string protocol, IEnumerable<string> formats)
    {
        Media = media;
        Port = port;
        Protocol = protocol;
        Formats = [.. formats];
    }

    /// <summary>The media type: <c>audio</c>, <c>video</c> or <c>application</c>.</summary>
    public string Media { get; set; }

    /// <summary>The port; 0 means the section is rejected or bundled-only.</summary>
    public int Port { get; set; }

    /// <summary>Optional port count (the <c>/n</c> after the port), or null.</summary>
    public int? PortCount { get; set; }

    /// <summary>The transport protocol, for example <c>UDP/TLS/RTP/SAVPF</c> or <c>UDP/DTLS/SCTP</c>.</summary>
    public string Protocol { get; set; }

    /// <summary>The formats: RTP payload types, or <c>webrtc-datachannel</c>.</summary>
    public List<string> Formats { get; }

    /// <summary>Every line after the <c>m=</c> line, in order.</summary>
    public List<SdpLine> Lines { get; } = [];

    /// <summary>True for an SCTP (data channel) section.</summary>
    public bool IsApplication => Media == "application";

    /// <summary>The first value of attribute <paramref name="name"/>, empty string for a flag, null if absent.</summary>
    public string? GetAttribute(string name) => SdpAttributes.First(Lines, name);

    /// <summary>Every value of attribute <paramref name="name"/> (flags give an empty string).</summary>
    public IEnumerable<string> GetAttributes(string name) => SdpAttributes.All(Lines, name);

    /// <summary>True when the attribute is present.</summary>
    public bool HasAttribute(string name) => GetAttribute(name) is not null;

    /// <summary>Adds an attribute line.</summary>
    public void AddAttribute(string name, string? value = null) => Lines.Add(SdpLine.Attribute(name, value));

    /// <summary><c>a=mid</c> (RFC 9143 §9.1) or null.</summary>
    public string? Mid => GetAttribute("mid");

    /// <summary>The direction; sendrecv when no direction attribute is present.</summary>
    public MediaDirection Direction => SdpAttributes.Direction(Lines) ?? MediaDirection.SendRecv;

    /// <summary>The media-level <c>a=ice-ufrag</c>, or null.</summary>
    public string? IceUfrag => GetAttribute("ice-ufrag");

    /// <summary>The media-level <c>a=ice-pwd</c>, or null.</summary>
    public string? IcePwd => GetAttribute("ice-pwd");

    /// <summary>The media-level <c>a=setup</c>.</summary>
    public SetupRole Setup => SdpAttributes.ParseSetup(GetAttribute("setup"));

    /// <summary>The media-level <c>a=fingerprint</c>, or null when absent or malformed.</summary>
    public FingerprintAttribute? Fingerprint =>
        FingerprintAttribute.TryParse(GetAttribute("fingerprint"), out var f) ? f : null;

    /// <summary><c>a=rtcp-mux</c> (RFC 5761).</summary>
    public bool RtcpMux => HasAttribute("rtcp-mux");

    /// <summary><c>a=sctp-port</c> (RFC 8841 §5), or null.</summary>
    public int? SctpPort => SdpAttributes.ParseInt(GetAttribute("sctp-port"));

    /// <summary><c>a=max-message-size</c> (RFC 8841 §6), or null.</summary>
    public long? MaxMessageSize =>
        long.TryParse(GetAttribute("max-message-size"), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>The RTP codecs: each payload type with its rtpmap, fmtp and rtcp-fb, in m-line order.</summary>
    public IReadOnlyList<RtpCodec> GetCodecs() => RtpCodec.FromMedia(this);

    /// <summary>The <c>a=extmap</c> header extensions (RFC 8285 §8).</summary>
    public IReadOnlyList<ExtMapAttribute> GetExtMaps() =>
        [.. GetAttributes("extmap").Select(v => ExtMapAttribute.TryParse(v, out var e) ? e : (ExtMapAttribute?)null)
            .Where(e => e is not null).Select(e => e!.Value)];

    /// <summary>The <c>a=rid</c> lines (RFC 8851 §4).</summary>
    public IReadOnlyList<RidAttribute> GetRids() =>
        [.. GetAttributes("rid").Select(v => RidAttribute.TryParse(v, out var r) ? r : (RidAttribute?)null)
            .Where(r => r is not null).Select(r => r!.Value)];

    /// <summary>The <c>a=simulcast</c> line (RFC 8853 §5.1), or null.</summary>
    public SimulcastAttribute? Simulcast =>
        SimulcastAttribute.TryParse(GetAttribute("simulcast"), out var s) ? s : null;

    /// <summary>The SSRCs named by <c>a=ssrc</c> lines (RFC 5576), distinct, in order.</summary>
    public IReadOnlyList<uint> GetSsrcs() =>
        [.. GetAttributes("ssrc").Select(v => SdpAttributes.ParseUInt(v.Split(' ', 2)[0]))
            .Where(s => s is not null).Select(s => s!.Value).Distinct()];

    /// <summary>The <c>a=ssrc-group:FID</c> pairs (media SSRC, RTX SSRC).</summary>
    public IReadOnlyList<(uint Media, uint Rtx)> GetFidGroups() =>
        [.. GetAttributes("ssrc-group").Select(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 3 && p[0] == "FID" && SdpAttributes.ParseUInt(p[1]) is not null && SdpAttributes.ParseUInt(p[2]) is not null)
            .Select(p => (SdpAttributes.ParseUInt(p[1])!.Value, SdpAttributes.ParseUInt(p[2])!.Value))];

    /// <summary>The <c>a=msid</c> value (RFC 8830 §2), or null.</summary>
    public string? Msid => GetAttribute("msid");

    /// <summary>The <c>a=candidate</c> lines that parse.</summary>
    public IReadOnlyList<CandidateAttribute> GetCandidates() =>
        [.. GetAttributes("candidate").Select(v => CandidateAttribute.TryParse(v, out var c) ? c : (CandidateAttribute?)null)
            .Where(c => c is not null).Select(c => c!.Value)];
}
