using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace RtcStack.Stun;

/// <summary>HMAC and CRC computations shared by the reader and the writer (RFC 8489 §14.5-§14.7).</summary>
internal static class StunIntegrity
{
    private const int StackCopyLimit = 1536;

    // The last key's HMAC per thread and algorithm, reused: a one-shot HMAC sets up a new OpenSSL 3 MAC context
    // per call, about 2.5x the cost of resetting a kept one (a TURN allocation computes four with the same key).
    [ThreadStatic] private static byte[]? t_sha1Key;
    [ThreadStatic] private static IncrementalHash? t_sha1;
    [ThreadStatic] private static byte[]? t_sha256Key;
    [ThreadStatic] private static IncrementalHash? t_sha256;

    /// <summary>
    /// Computes the HMAC of message[..attributeOffset] with the header length set as if the message
    /// ended after an attribute of <paramref name="valueLength"/> bytes at that offset (RFC 8489 §14.5).
    /// The message is copied (to the stack when small, to a pooled array otherwise) to patch the length.
    /// </summary>
    public static void ComputeHmac(ReadOnlySpan<byte> message, int attributeOffset, int valueLength, ReadOnlySpan<byte> key, bool sha256, Span<byte> destination)
    {
        byte[]? rented = null;
        Span<byte> copy = attributeOffset <= StackCopyLimit
            ? stackalloc byte[StackCopyLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(attributeOffset));
        copy = copy[..attributeOffset];
        message[..attributeOffset].CopyTo(copy);
        ComputeHmacInPlace(copy, valueLength, key, sha256, destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Like <see cref="ComputeHmac"/>, but patches the length field of <paramref name="prefix"/>
    /// (the whole message up to the integrity attribute) in place; used by the writer.
    /// </summary>
    public static void ComputeHmacInPlace(Span<byte> prefix, int valueLength, ReadOnlySpan<byte> key, bool sha256, Span<byte> destination)
    {
        int adjusted = prefix.Length - StunConstants.HeaderLength + StunConstants.AttributeHeaderLength + ((valueLength + 3) & ~3);
        BinaryPrimitives.WriteUInt16BigEndian(prefix[2..], (ushort)adjusted);
        if (sha256)
        {
            Hmac(ref t_sha256Key, ref t_sha256, HashAlgorithmName.SHA256, key, prefix, destination);
        }
        else
        {
            Hmac(ref t_sha1Key, ref t_sha1, HashAlgorithmName.SHA1, key, prefix, destination);
        }
    }

    private static void Hmac(ref byte[]? cachedKey, ref IncrementalHash? hmac, HashAlgorithmName algorithm,
        ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (hmac is null || !key.SequenceEqual(cachedKey))
        {
            hmac?.Dispose();
            hmac = null;
            cachedKey = key.ToArray();
            hmac = IncrementalHash.CreateHMAC(algorithm, cachedKey);
        }
        hmac.AppendData(data);
        if (!hmac.TryGetHashAndReset(destination, out _))
        {
            throw new ArgumentException("Destination is too short for the HMAC.", nameof(destination));
        }
    }

    /// <summary>CRC-32 of <paramref name="prefix"/> XOR 0x5354554E (RFC 8489 §14.7).</summary>
    public static uint ComputeFingerprint(ReadOnlySpan<byte> prefix) => Crc32.HashToUInt32(prefix) ^ StunConstants.FingerprintXor;
}
