namespace RtcStack.Server.Endpoints;

/// <summary>Body of <c>POST /api/tokens</c>.</summary>
internal sealed class TokenRequest
{
    public string? Sub { get; set; }
    public List<string>? Rooms { get; set; }
    public List<string>? Perms { get; set; }
    public int? TtlSeconds { get; set; }
}
