using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace RtcStack.Stun;

/// <summary>
/// Keys for MESSAGE-INTEGRITY (RFC 8489 §9). Short-term: the UTF-8 password. Long-term:
/// MD5 or SHA-256 of <c>username ":" realm ":" password</c> (RFC 8489 §9.2.2). Inputs are used as
/// given (UTF-8); OpaqueString preparation (RFC 8265) is not applied, which only matters for
/// non-ASCII credentials that are not already in normalised form.
/// </summary>
public static class StunCredentials
{
    private const int StackLimit = 1024;

    /// <summary>Length of the key for an algorithm: 16 (MD5) or 32 (SHA-256); 0 when unknown.</summary>
    public static int GetKeyLength(StunPasswordAlgorithm algorithm) => algorithm switch
    {
        StunPasswordAlgorithm.Md5 => MD5.HashSizeInBytes,
        StunPasswordAlgorithm.Sha256 => SHA256.HashSizeInBytes,
        _ => 0,
    };

    /// <summary>The short-term key: the password as UTF-8 (RFC 8489 §9.1.1).</summary>
    public static byte[] GetShortTermKey(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return Encoding.UTF8.GetBytes(password);
    }

    /// <summary>The long-term key from strings (allocates the result; compute once per user and cache).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown algorithm.</exception>
    public static byte[] ComputeLongTermKey(string username, string realm, string password, StunPasswordAlgorithm algorithm = StunPasswordAlgorithm.Md5)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(password);
        int keyLength = GetKeyLength(algorithm);
        ArgumentOutOfRangeException.ThrowIfZero(keyLength, nameof(algorithm));
        var key = new byte[keyLength];
        ComputeLongTermKey(Encoding.UTF8.GetBytes(username), Encoding.UTF8.GetBytes(realm), Encoding.UTF8.GetBytes(password), algorithm, key);
        return key;
    }

    /// <summary>The long-term key from UTF-8 spans, without allocating (RFC 8489 §9.2.2, §18.5).</summary>
    /// <returns>The key length written, or 0 for an unknown algorithm or a short destination.</returns>
    public static int ComputeLongTermKey(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, ReadOnlySpan<byte> password, StunPasswordAlgorithm algorithm, Span<byte> destination)
    {
        int keyLength = GetKeyLength(algorithm);
        if (keyLength == 0 || destination.Length < keyLength)
        {
            return 0;
        }

        int inputLength = username.Length + realm.Length + password.Length + 2;
        byte[]? rented = null;
        Span<byte> input = inputLength <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(inputLength));
        input = input[..inputLength];
        username.CopyTo(input);
        input[username.Length] = (byte)':';
        realm.CopyTo(input[(username.Length + 1)..]);
        input[username.Length + 1 + realm.Length] = (byte)':';
        password.CopyTo(input[(username.Length + realm.Length + 2)..]);
        _ = algorithm == StunPasswordAlgorithm.Md5
#pragma warning disable CA5351 // MD5 is what RFC 8489 §9.2.2 specifies for the long-term key
            ? MD5.HashData(input, destination)
#pragma warning restore CA5351
            : SHA256.HashData(input, destination);
        CryptographicOperations.ZeroMemory(input);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return keyLength;
    }

    /// <summary>USERHASH: SHA-256 of <c>username ":" realm</c> (RFC 8489 §14.4), 32 bytes.</summary>
    /// <returns>32, or 0 when the destination is short.</returns>
    public static int ComputeUserHash(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, Span<byte> destination)
    {
        if (destination.Length < SHA256.HashSizeInBytes)
        {
            return 0;
        }

        int inputLength = username.Length + realm.Length + 1;
        byte[]? rented = null;
        Span<byte> input = inputLength <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(inputLength));
        input = input[..inputLength];
        username.CopyTo(input);
        input[username.Length] = (byte)':';
        realm.CopyTo(input[(username.Length + 1)..]);
        SHA256.HashData(input, destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return SHA256.HashSizeInBytes;
    }
}
