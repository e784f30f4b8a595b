namespace RtcStack.Stun;

/// <summary>Outcome of <see cref="TurnRestCredentials.Validate(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, DateTimeOffset)"/>.</summary>
public enum TurnRestValidationResult
{
    /// <summary>Well-formed, not expired, and the password matches.</summary>
    Valid = 0,

    /// <summary>The username does not start with a Unix timestamp.</summary>
    Malformed,

    /// <summary>The timestamp is in the past.</summary>
    Expired,

    /// <summary>The password is not base64(HMAC-SHA1(secret, username)).</summary>
    WrongPassword,
}
