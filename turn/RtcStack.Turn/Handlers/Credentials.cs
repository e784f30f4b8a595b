namespace RtcStack.Turn.Handlers;

/// <summary>Who sent an authenticated request.</summary>
/// <param name="Username">The USERNAME as sent.</param>
/// <param name="QuotaUser">The name counted for user-quota (the user part of a REST name).</param>
/// <param name="Key">The long-term key that checked the request's integrity; signs the response.</param>
internal sealed record Credentials(string Username, string QuotaUser, byte[] Key)
{
    /// <summary>The request was checked with MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6); the response is signed so too.</summary>
    internal bool Sha256 { get; init; }
}
