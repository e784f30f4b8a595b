namespace RtcStack.Sfu.Echo;

/// <summary>One echoed m-section: the browser's SSRCs from SDP, ours, and the last seen browser SSRC.</summary>
internal sealed class EchoTrack(string mid, bool isVideo, uint localSsrc, IReadOnlyList<uint> offeredSsrcs)
{
    public string Mid { get; } = mid;

    public bool IsVideo { get; } = isVideo;

    public uint LocalSsrc { get; } = localSsrc;

    public IReadOnlyList<uint> OfferedSsrcs { get; } = offeredSsrcs;

    /// <summary>The browser's media SSRC (PLI target), learned from RTP.</summary>
    public uint RemoteSsrc { get; set; }
}
