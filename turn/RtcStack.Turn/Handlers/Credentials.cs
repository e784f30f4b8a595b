namespace RtcStack.Turn.Handlers;

/// <summary>Who sent an authenticated request.</summary>
/// <param name="Username">The USERNAME as sent.</param>
/// <param name="QuotaUser">The name counted for user-quota (the user part of a REST name).</param>
/// <param name="Key">The long-term key that checked MESSAGE-INTEGRITY; signs the response.</param>
internal sealed record Credentials(string Username, string QuotaUser, byte[] Key);
