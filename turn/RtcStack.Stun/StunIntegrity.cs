using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace RtcStack.Stun;

/// <summary>HMAC and CRC computations shared by the reader and the writer (RFC 8489 §14.5-§14.7).</summary>
internal static class StunIntegrity
{
    private const int StackCopyLimit = 1536;

    // A few keyed HMACs per thread and algorithm, bounded (see HmacKeyCache).
    [ThreadStatic] private static HmacKeyCache? t_sha1;
    [ThreadStatic] private static HmacKeyCache? t_sha256;

    /// <summary>
    /// Computes the HMAC of message[..attributeOffset] with the header length set as if the message
    /// ended after an attribute of <paramref name="valueLength"/> bytes at that offset (RFC 8489 §14.5).
    /// The message is copied (to the stack when small, to a pooled array otherwise) to patch the length.
    /// Used to verify a received message: the key is only looked up in the key cache, never kept from here.
    /// </summary>
    public static void ComputeHmac(ReadOnlySpan<byte> message, int attributeOffset, int valueLength, ReadOnlySpan<byte> key, bool sha256, Span<byte> destination)
    {
        byte[]? rented = null;
        Span<byte> copy = attributeOffset <= StackCopyLimit
            ? stackalloc byte[StackCopyLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(attributeOffset));
        copy = copy[..attributeOffset];
        message[..attributeOffset].CopyTo(copy);
        ComputeHmacInPlace(copy, valueLength, key, sha256, destination, keep: false);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Like <see cref="ComputeHmac"/>, but patches the length field of <paramref name="prefix"/>
    /// (the whole message up to the integrity attribute) in place; used by the writer (<paramref name="keep"/> true:
    /// a key signed with repeatedly gets a kept HMAC, see <see cref="HmacKeyCache"/>).
    /// </summary>
    public static void ComputeHmacInPlace(Span<byte> prefix, int valueLength, ReadOnlySpan<byte> key, bool sha256, Span<byte> destination, bool keep)
    {
        int adjusted = prefix.Length - StunConstants.HeaderLength + StunConstants.AttributeHeaderLength + ((valueLength + 3) & ~3);
        BinaryPrimitives.WriteUInt16BigEndian(prefix[2..], (ushort)adjusted);
        HmacKeyCache cache = sha256
            ? t_sha256 ??= new HmacKeyCache(HashAlgorithmName.SHA256)
            : t_sha1 ??= new HmacKeyCache(HashAlgorithmName.SHA1);
        cache.Compute(key, prefix, destination, keep);
    }

    /// <summary>The calling thread's key cache for one algorithm (tests check its bound).</summary>
    internal static HmacKeyCache? CurrentThreadCache(bool sha256) => sha256 ? t_sha256 : t_sha1;

    /// <summary>CRC-32 of <paramref name="prefix"/> XOR 0x5354554E (RFC 8489 §14.7).</summary>
    public static uint ComputeFingerprint(ReadOnlySpan<byte> prefix) => Crc32.HashToUInt32(prefix) ^ StunConstants.FingerprintXor;
}
