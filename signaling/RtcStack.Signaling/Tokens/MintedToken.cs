namespace RtcStack.Signaling.Tokens;

/// <summary>A token and its expiry (epoch milliseconds).</summary>
public sealed record MintedToken(string Token, long ExpiresAt);
