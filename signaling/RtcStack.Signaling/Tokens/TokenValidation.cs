namespace RtcStack.Signaling.Tokens;

/// <summary>A token's status and, when valid, its claims.</summary>
public readonly record struct TokenValidation(TokenStatus Status, PeerClaims? Claims);
