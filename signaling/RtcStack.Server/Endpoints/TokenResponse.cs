namespace RtcStack.Server.Endpoints;

/// <summary>Answer of the token endpoints.</summary>
internal sealed record TokenResponse(string Token, long ExpiresAt);
