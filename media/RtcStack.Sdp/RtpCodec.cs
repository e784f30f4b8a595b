using System.Globalization;

namespace RtcStack.Sdp;

/// <summary>One RTP payload type of a media section with its rtpmap (RFC 8866 §6.6), fmtp and rtcp-fb.</summary>
public sealed record RtpCodec
{
    /// <summary>The payload type (0–127).</summary>
    public required int PayloadType { get; init; }

    /// <summary>The encoding name as written, for example <c>VP8</c>, <c>opus</c>, <c>rtx</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The clock rate in Hz.</summary>
    public required int ClockRate { get; init; }

    /// <summary>The channel count (audio), or null.</summary>
    public int? Channels { get; init; }

    /// <summary>The <c>a=fmtp</c> parameters, or null.</summary>
    public string? Fmtp { get; init; }

    /// <summary>The <c>a=rtcp-fb</c> entries for this payload type (including <c>*</c> wildcards).</summary>
    public IReadOnlyList<RtcpFeedback> Feedback { get; init; } = [];

    /// <summary>For an <c>rtx</c> codec, the payload type it repairs (<c>apt=</c>), else null.</summary>
    public int? AssociatedPayloadType => FmtpParameter("apt") is { } apt && int.TryParse(apt, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>The value of one <c>key=value</c> fmtp parameter, or null.</summary>
    public string? FmtpParameter(string key)
    {
        if (Fmtp is null)
        {
            return null;
        }
        foreach (var part in Fmtp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq] == key)
            {
                return part[(eq + 1)..];
            }
        }
        return null;
    }

    internal static IReadOnlyList<RtpCodec> FromMedia(MediaDescription m)
    {
        var maps = new Dictionary<int, (string Name, int Clock, int? Channels)>();
        var fmtps = new Dictionary<int, string>();
        var fbs = new Dictionary<string, List<RtcpFeedback>>();
        foreach (var v in m.GetAttributes("rtpmap"))
        {
            if (TryParseRtpMap(v, out var pt, out var name, out var clock, out var channels))
            {
                maps.TryAdd(pt, (name, clock, channels));
            }
        }
        foreach (var v in m.GetAttributes("fmtp"))
        {
            var sp = v.IndexOf(' ', StringComparison.Ordinal);
            if (sp > 0 && SdpAttributes.ParseInt(v[..sp]) is { } pt)
            {
                fmtps.TryAdd(pt, v[(sp + 1)..]);
            }
        }
        foreach (var v in m.GetAttributes("rtcp-fb"))
        {
            var parts = v.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2)
            {
                if (!fbs.TryGetValue(parts[0], out var list))
                {
                    fbs[parts[0]] = list = [];
                }
                list.Add(new RtcpFeedback(parts[1], parts.Length == 3 ? parts[2] : null));
            }
        }
        var codecs = new List<RtpCodec>();
        foreach (var f in m.Formats)
        {
            if (SdpAttributes.ParseInt(f) is not { } pt || pt > 127 || !maps.TryGetValue(pt, out var map))
            {
                continue;
            }
            var feedback = new List<RtcpFeedback>();
            if (fbs.TryGetValue(f, out var own)) { feedback.AddRange(own); }
            if (fbs.TryGetValue("*", out var all)) { feedback.AddRange(all); }
            codecs.Add(new RtpCodec
            {
                PayloadType = pt, Name = map.Name, ClockRate = map.Clock, Channels = map.Channels,
                Fmtp = fmtps.GetValueOrDefault(pt), Feedback = feedback,
            });
        }
        return codecs;
    }

    /// <summary>Parses <c>96 VP8/90000</c> or <c>111 opus/48000/2</c>.</summary>
    internal static bool TryParseRtpMap(string value, out int payloadType, out string name, out int clockRate, out int? channels)
    {
        payloadType = 0; name = string.Empty; clockRate = 0; channels = null;
        var parts = value.Split(' ', 2);
        if (parts.Length != 2 || SdpAttributes.ParseInt(parts[0]) is not { } pt || pt > 127)
        {
            return false;
        }
        var enc = parts[1].Split('/');
        if (enc.Length is < 2 or > 3 || enc[0].Length == 0 || SdpAttributes.ParseInt(enc[1]) is not { } clock)
        {
            return false;
        }
        if (enc.Length == 3)
        {
            if (SdpAttributes.ParseInt(enc[2]) is not { } ch)
            {
                return false;
            }
            channels = ch;
        }
        payloadType = pt; name = enc[0]; clockRate = clock;
        return true;
    }

    /// <summary>The rtpmap value for this codec.</summary>
    public string RtpMapValue() => string.Create(CultureInfo.InvariantCulture,
        $"{PayloadType} {Name}/{ClockRate}{(Channels is { } c ? "/" + c.ToString(CultureInfo.InvariantCulture) : string.Empty)}");
}
