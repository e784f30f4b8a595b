namespace RtcStack.Stun;

/// <summary>A minted TURN REST API credential (draft-uberti-behave-turn-rest; coturn's use-auth-secret).</summary>
/// <param name="Username">"expiry:user", expiry in Unix seconds.</param>
/// <param name="Password">base64(HMAC-SHA1(secret, username)).</param>
/// <param name="ExpiresAt">When the credential stops being accepted.</param>
public sealed record TurnRestCredential(string Username, string Password, DateTimeOffset ExpiresAt)
{
    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"TurnRestCredential {{ Username = {Username}, ExpiresAt = {ExpiresAt:O} }}";
}
