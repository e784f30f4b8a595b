namespace RtcStack.Sdp;

/// <summary>What the local side supports when <see cref="SdpAnswerBuilder"/> answers an offer.</summary>
public sealed class SdpAnswerOptions
{
    /// <summary>Local ICE ufrag (RFC 8839 §5.4: 4–256 ice-chars). Required.</summary>
    public required string IceUfrag { get; init; }

    /// <summary>Local ICE password (22–256 ice-chars). Required.</summary>
    public required string IcePwd { get; init; }

    /// <summary>Fingerprint of the local DTLS certificate. Required.</summary>
    public required FingerprintAttribute Fingerprint { get; init; }

    /// <summary>Local candidates written into every accepted section. Default: none.</summary>
    public IReadOnlyList<CandidateAttribute> Candidates { get; init; } = [];

    /// <summary>Write <c>a=ice-lite</c> at session level. Default true (the SFU is ICE-lite).</summary>
    public bool IceLite { get; init; } = true;

    /// <summary>Our <c>a=setup</c> when the offer says actpass. Default passive (we are the DTLS server).</summary>
    public SetupRole PreferredSetup { get; init; } = SetupRole.Passive;

    /// <summary>Accepted audio codec names, most preferred first (case-insensitive). Default opus.</summary>
    public IReadOnlyList<string> AudioCodecs { get; init; } = ["opus"];

    /// <summary>Accepted video codec names, most preferred first. Default VP8, VP9, H264, AV1.</summary>
    public IReadOnlyList<string> VideoCodecs { get; init; } = ["VP8", "VP9", "H264", "AV1"];

    /// <summary>Most codecs kept per section (1 makes the browser send exactly one). Default unlimited.</summary>
    public int MaxCodecsPerSection { get; init; } = int.MaxValue;

    /// <summary>Accepted rtcp-fb entries (<c>type</c> or <c>type param</c>). Default nack pli, ccm fir.</summary>
    public IReadOnlyList<string> RtcpFeedback { get; init; } = ["nack pli", "ccm fir"];

    /// <summary>Accepted header extension URIs. Default the mid extension only.</summary>
    public IReadOnlyList<string> HeaderExtensions { get; init; } = [ExtMapAttribute.MidUri];

    /// <summary>Chooses our direction for a section; default the mirror of the offer's.</summary>
    public Func<MediaDescription, MediaDirection>? Direction { get; init; }

    /// <summary>
    /// Our sending SSRC for a section whose answer direction includes send, or null to write no a=ssrc.
    /// </summary>
    public Func<MediaDescription, uint?>? LocalSsrc { get; init; }

    /// <summary>The stream id used in <c>a=msid</c> for our sending tracks. Default "rtcstack".</summary>
    public string StreamId { get; init; } = "rtcstack";

    /// <summary>The <c>a=ssrc:… cname:</c> value. Default "rtcstack".</summary>
    public string CName { get; init; } = "rtcstack";

    /// <summary>Our <c>a=sctp-port</c>. Default 5000.</summary>
    public int SctpPort { get; init; } = 5000;

    /// <summary>Our <c>a=max-message-size</c> (RFC 8841 §6). Default 262144.</summary>
    public long MaxMessageSize { get; init; } = 262_144;

    /// <summary>Accept data channel sections. Default true.</summary>
    public bool AcceptDataChannels { get; init; } = true;
}
