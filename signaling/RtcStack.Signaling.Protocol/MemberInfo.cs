using System.Text.Json;

namespace RtcStack.Signaling.Protocol;

/// <summary>A room member as listed in <c>joined</c>: its peer id and display metadata.</summary>
public sealed class MemberInfo
{
    public string Peer { get; set; } = "";
    public JsonElement? Meta { get; set; }
}
