namespace RtcStack.Signaling.Tokens;

/// <summary>The outcome of <see cref="TokenService.ValidateAsync"/>.</summary>
public enum TokenStatus
{
    Valid,
    Expired,
    Invalid,
}
