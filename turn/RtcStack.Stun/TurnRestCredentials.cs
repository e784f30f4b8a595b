using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RtcStack.Stun;

/// <summary>
/// TURN REST API credentials, as coturn's <c>use-auth-secret</c> and browsers' ICE servers use
/// them: username <c>"expiry:user"</c> (expiry in Unix seconds, the user part optional), password
/// <c>base64(HMAC-SHA1(secret, username))</c>. Signaling mints, TURN validates, both from one secret.
/// </summary>
public static class TurnRestCredentials
{
    /// <summary>Length of the password in base64 characters (20-byte HMAC-SHA1).</summary>
    public const int PasswordLength = 28;

    /// <summary>Mints a credential valid until <paramref name="expiresAt"/>.</summary>
    /// <param name="secret">The shared secret (coturn's static-auth-secret, as UTF-8 bytes).</param>
    /// <param name="user">The user part (may be empty); it follows the first ':' of the username.</param>
    /// <param name="expiresAt">Expiry; rounded down to whole seconds.</param>
    public static TurnRestCredential Mint(ReadOnlySpan<byte> secret, string user, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(user);
        long expiry = expiresAt.ToUnixTimeSeconds();
        string username = user.Length == 0
            ? expiry.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{expiry}:{user}");
        Span<byte> password = stackalloc byte[PasswordLength];
        ComputePassword(secret, Encoding.UTF8.GetBytes(username), password);
        return new TurnRestCredential(username, Encoding.ASCII.GetString(password), DateTimeOffset.FromUnixTimeSeconds(expiry));
    }

    /// <summary>Mints a credential that lives for <paramref name="lifetime"/> from now.</summary>
    public static TurnRestCredential Mint(string secret, string user, TimeSpan lifetime, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        DateTimeOffset now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        return Mint(Encoding.UTF8.GetBytes(secret), user, now + lifetime);
    }

    /// <summary>Writes base64(HMAC-SHA1(secret, username)) as 28 ASCII bytes; allocates nothing.</summary>
    /// <returns>28, or 0 when the destination is short.</returns>
    public static int ComputePassword(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> username, Span<byte> destination)
    {
        if (destination.Length < PasswordLength)
        {
            return 0;
        }

        Span<byte> hmac = stackalloc byte[HMACSHA1.HashSizeInBytes];
        HMACSHA1.HashData(secret, username, hmac);
        Base64.EncodeToUtf8(hmac, destination, out _, out int written);
        return written;
    }

    /// <summary>Reads the expiry (Unix seconds) at the start of a REST username.</summary>
    public static bool TryGetExpiry(ReadOnlySpan<byte> username, out DateTimeOffset expiresAt)
    {
        expiresAt = default;
        int colon = username.IndexOf((byte)':');
        ReadOnlySpan<byte> digits = colon < 0 ? username : username[..colon];
        if (digits.IsEmpty || digits.Length > 12 || !Utf8Parser.TryParse(digits, out long seconds, out int consumed)
            || consumed != digits.Length || seconds < 0 || seconds > 253402300799)
        {
            return false;
        }

        expiresAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>Checks the username's expiry only; the TURN server then derives the password and checks MESSAGE-INTEGRITY.</summary>
    public static TurnRestValidationResult CheckExpiry(ReadOnlySpan<byte> username, DateTimeOffset now)
    {
        if (!TryGetExpiry(username, out DateTimeOffset expiresAt))
        {
            return TurnRestValidationResult.Malformed;
        }

        return expiresAt < now ? TurnRestValidationResult.Expired : TurnRestValidationResult.Valid;
    }

    /// <summary>Validates a username/password pair: format, expiry, then a constant-time password compare.</summary>
    public static TurnRestValidationResult Validate(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> username, ReadOnlySpan<byte> password, DateTimeOffset now)
    {
        TurnRestValidationResult expiry = CheckExpiry(username, now);
        if (expiry != TurnRestValidationResult.Valid)
        {
            return expiry;
        }

        Span<byte> expected = stackalloc byte[PasswordLength];
        ComputePassword(secret, username, expected);
        return CryptographicOperations.FixedTimeEquals(expected, password)
            ? TurnRestValidationResult.Valid
            : TurnRestValidationResult.WrongPassword;
    }

    /// <summary>Validates string credentials (allocates the UTF-8 conversions; not for the hot path).</summary>
    public static TurnRestValidationResult Validate(string secret, string username, string password, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(password);
        return Validate(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username), Encoding.UTF8.GetBytes(password), now);
    }
}
