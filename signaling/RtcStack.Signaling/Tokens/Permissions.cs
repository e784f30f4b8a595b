namespace RtcStack.Signaling.Tokens;

/// <summary>What a token allows (claim <c>perms</c>).</summary>
[Flags]
public enum Permissions
{
    None = 0,
    Publish = 1,
    Subscribe = 2,
    Admin = 4,
}
