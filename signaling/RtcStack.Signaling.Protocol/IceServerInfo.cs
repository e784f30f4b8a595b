namespace RtcStack.Signaling.Protocol;

/// <summary>One entry of <c>welcome.iceServers</c>, shaped like the W3C <c>RTCIceServer</c> dictionary.</summary>
public sealed class IceServerInfo
{
    public IReadOnlyList<string> Urls { get; set; } = [];
    public string? Username { get; set; }
    public string? Credential { get; set; }
}
