using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace RtcStack.Turn.Auth;

/// <summary>
/// Stateless nonces (RFC 8489 §9.2.2 leaves the format to the server): base64url of an 8-byte issue time
/// (Unix seconds) followed by the first 12 bytes of HMAC-SHA256(server key, time ‖ client IP address).
/// Nothing is stored per client, so spoofed Allocates cannot grow memory; a nonce is only accepted from
/// the address it was issued to and expires after the configured lifetime (then 438 Stale Nonce).
/// </summary>
internal sealed class NonceService
{
    /// <summary>Length of an encoded nonce in bytes (20 raw bytes in base64url).</summary>
    internal const int EncodedLength = 27;

    private const int RawLength = 20;
    private const int MacLength = 12;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;
    private readonly long _lifetimeSeconds;

    internal NonceService(TimeProvider time, int lifetimeSeconds)
    {
        _time = time;
        _lifetimeSeconds = lifetimeSeconds;
    }

    /// <summary>Writes a fresh nonce for <paramref name="clientAddress"/>; returns its length.</summary>
    internal int Write(Span<byte> destination, UInt128 clientAddress)
    {
        Span<byte> raw = stackalloc byte[RawLength];
        BinaryPrimitives.WriteInt64BigEndian(raw, _time.GetUtcNow().ToUnixTimeSeconds());
        Mac(raw[..8], clientAddress, raw[8..]);
        return Base64Url.EncodeToUtf8(raw, destination);
    }

    /// <summary>Checks a nonce received from <paramref name="clientAddress"/>.</summary>
    internal NonceStatus Check(ReadOnlySpan<byte> nonce, UInt128 clientAddress)
    {
        Span<byte> raw = stackalloc byte[RawLength + 2];
        if (nonce.Length != EncodedLength
            || Base64Url.DecodeFromUtf8(nonce, raw, out _, out int written) != System.Buffers.OperationStatus.Done
            || written != RawLength)
        {
            return NonceStatus.Invalid;
        }
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(raw[..8], clientAddress, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw.Slice(8, MacLength)))
        {
            return NonceStatus.Invalid;
        }
        long age = _time.GetUtcNow().ToUnixTimeSeconds() - BinaryPrimitives.ReadInt64BigEndian(raw);
        return age >= 0 && age < _lifetimeSeconds ? NonceStatus.Valid : NonceStatus.Stale;
    }

    private void Mac(ReadOnlySpan<byte> time, UInt128 clientAddress, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[8 + 16];
        time.CopyTo(input);
        BinaryPrimitives.WriteUInt128BigEndian(input[8..], clientAddress);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, input, mac);
        mac[..destination.Length].CopyTo(destination);
    }
}
