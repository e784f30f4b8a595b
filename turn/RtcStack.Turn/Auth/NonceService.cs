using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace RtcStack.Turn.Auth;

/// <summary>
/// Stateless nonces (RFC 8489 §9.2.2 leaves the format to the server). Each starts with the nonce cookie
/// <c>obMatJos2</c> and the 24-bit STUN Security Feature set in base64 (§9.2.1: bit 0 password algorithms, bit 1
/// username anonymity), followed by base64url of a 4-byte issue time (Unix seconds) and the first 8 bytes of
/// HMAC-SHA256(server key, time ‖ client IP address ‖ feature bits). The MAC covers the feature bits, so a
/// man in the middle cannot strip them (bid-down protection, §9.2.1). Nothing is stored per client, so spoofed
/// Allocates cannot grow memory; a nonce is only accepted from the address it was issued to and expires after the
/// configured lifetime (then 438 Stale Nonce).
/// </summary>
internal sealed class NonceService
{
    /// <summary>Length of an encoded nonce in bytes: cookie 9 + features 4 + 12 raw bytes in base64url 16.</summary>
    internal const int EncodedLength = CookieLength + FeaturesLength + 16;

    /// <summary>Feature bit 0 (the most significant of 24): PASSWORD-ALGORITHMS negotiation (RFC 8489 §18.1).</summary>
    internal const int PasswordAlgorithmsFeature = 1 << 23;

    /// <summary>Feature bit 1: username anonymity, USERHASH (RFC 8489 §18.1).</summary>
    internal const int UsernameAnonymityFeature = 1 << 22;

    private const int CookieLength = 9, FeaturesLength = 4;
    private const int RawLength = 12;
    private const int MacLength = 8;

    private static ReadOnlySpan<byte> Cookie => "obMatJos2"u8;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    // This service's HMAC per thread, kept between nonces (resetting it costs far less than a one-shot HMAC).
    [ThreadStatic] private static NonceService? t_owner;
    [ThreadStatic] private static IncrementalHash? t_mac;
    private readonly TimeProvider _time;
    private readonly long _lifetimeSeconds;
    private readonly int _features;

    internal NonceService(TimeProvider time, int lifetimeSeconds, int features = PasswordAlgorithmsFeature)
    {
        _time = time;
        _lifetimeSeconds = lifetimeSeconds;
        _features = features & 0xFFFFFF;
    }

    /// <summary>The security features this server advertises (and expects back) in its nonces.</summary>
    internal int Features => _features;

    /// <summary>Writes a fresh nonce for <paramref name="clientAddress"/>; returns its length.</summary>
    internal int Write(Span<byte> destination, UInt128 clientAddress)
    {
        Cookie.CopyTo(destination);
        Span<byte> bits = stackalloc byte[3];
        WriteFeatures(bits, _features);
        Base64.EncodeToUtf8(bits, destination[CookieLength..], out _, out _);
        Span<byte> raw = stackalloc byte[RawLength];
        BinaryPrimitives.WriteUInt32BigEndian(raw, (uint)_time.GetUtcNow().ToUnixTimeSeconds());
        Mac(raw[..4], clientAddress, _features, raw[4..]);
        return CookieLength + FeaturesLength + Base64Url.EncodeToUtf8(raw, destination[(CookieLength + FeaturesLength)..]);
    }

    /// <summary>Checks a nonce received from <paramref name="clientAddress"/>.</summary>
    internal NonceStatus Check(ReadOnlySpan<byte> nonce, UInt128 clientAddress) => Check(nonce, clientAddress, out _);

    /// <summary>Checks a nonce and returns the feature bits it carries (valid only when the result is not Invalid).</summary>
    internal NonceStatus Check(ReadOnlySpan<byte> nonce, UInt128 clientAddress, out int features)
    {
        features = 0;
        Span<byte> bits = stackalloc byte[3];
        Span<byte> raw = stackalloc byte[RawLength + 2];
        if (nonce.Length != EncodedLength || !nonce.StartsWith(Cookie)
            || Base64.DecodeFromUtf8(nonce.Slice(CookieLength, FeaturesLength), bits, out _, out int bitsWritten) != System.Buffers.OperationStatus.Done
            || bitsWritten != 3
            || Base64Url.DecodeFromUtf8(nonce[(CookieLength + FeaturesLength)..], raw, out _, out int written) != System.Buffers.OperationStatus.Done
            || written != RawLength)
        {
            return NonceStatus.Invalid;
        }
        features = (bits[0] << 16) | (bits[1] << 8) | bits[2];
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(raw[..4], clientAddress, features, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw.Slice(4, MacLength)))
        {
            return NonceStatus.Invalid;
        }
        long age = _time.GetUtcNow().ToUnixTimeSeconds() - BinaryPrimitives.ReadUInt32BigEndian(raw);
        return age >= 0 && age < _lifetimeSeconds ? NonceStatus.Valid : NonceStatus.Stale;
    }

    private static void WriteFeatures(Span<byte> destination, int features)
    {
        destination[0] = (byte)(features >> 16);
        destination[1] = (byte)(features >> 8);
        destination[2] = (byte)features;
    }

    private void Mac(ReadOnlySpan<byte> time, UInt128 clientAddress, int features, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[4 + 16 + 3];
        time.CopyTo(input);
        BinaryPrimitives.WriteUInt128BigEndian(input[4..], clientAddress);
        WriteFeatures(input[20..], features);
        Span<byte> mac = stackalloc byte[32];
        if (!ReferenceEquals(t_owner, this) || t_mac is null)
        {
            t_mac?.Dispose();
            t_mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
            t_owner = this;
        }
        t_mac.AppendData(input);
        _ = t_mac.TryGetHashAndReset(mac, out _);
        mac[..destination.Length].CopyTo(destination);
    }
}
