using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RtcStack.Sdp;

/// <summary>An <c>a=fingerprint</c> value (RFC 8122 §5): hash function name and the certificate hash.</summary>
/// <param name="HashFunction">Lower-case hash name, for example <c>sha-256</c>.</param>
/// <param name="Hash">The hash bytes.</param>
public readonly record struct FingerprintAttribute(string HashFunction, ReadOnlyMemory<byte> Hash)
{
    /// <summary>Parses <c>sha-256 AB:CD:…</c>; false on anything malformed.</summary>
    public static bool TryParse(string? value, out FingerprintAttribute fingerprint)
    {
        fingerprint = default;
        if (value is null)
        {
            return false;
        }
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space == value.Length - 1)
        {
            return false;
        }
        var hex = value[(space + 1)..].Trim();
        var parts = hex.Split(':');
        if (parts.Length is < 16 or > 64)
        {
            return false;
        }
        var bytes = new byte[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length != 2 || !byte.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }
        fingerprint = new FingerprintAttribute(value[..space].ToLowerInvariant(), bytes);
        return true;
    }

    /// <summary>The SHA-256 fingerprint of a DER certificate.</summary>
    public static FingerprintAttribute Sha256(ReadOnlySpan<byte> certificateDer) =>
        new("sha-256", SHA256.HashData(certificateDer));

    /// <summary>True when the hash of <paramref name="certificateDer"/> under this hash function equals <see cref="Hash"/>.</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        byte[]? computed = HashFunction switch
        {
            "sha-256" => SHA256.HashData(certificateDer),
            "sha-384" => SHA384.HashData(certificateDer),
            "sha-512" => SHA512.HashData(certificateDer),
            "sha-1" => SHA1HashForLegacyFingerprint(certificateDer),
            _ => null,
        };
        return computed is not null && CryptographicOperations.FixedTimeEquals(computed, Hash.Span);
    }

    /// <summary>Writes <c>sha-256 AB:CD:…</c> (upper-case hex, colon separated).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(HashFunction.Length + 1 + (Hash.Length * 3));
        sb.Append(HashFunction).Append(' ');
        var span = Hash.Span;
        for (var i = 0; i < span.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(':');
            }
            sb.Append(span[i].ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Equality by hash function and hash bytes.</summary>
    public bool Equals(FingerprintAttribute other) =>
        HashFunction == other.HashFunction && Hash.Span.SequenceEqual(other.Hash.Span);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(HashFunction, Hash.Length);

#pragma warning disable CA5350 // SHA-1 fingerprints still appear in old offers (RFC 8122 allows it); only compared, never trusted alone.
    private static byte[] SHA1HashForLegacyFingerprint(ReadOnlySpan<byte> der) => SHA1.HashData(der);
#pragma warning restore CA5350
}
