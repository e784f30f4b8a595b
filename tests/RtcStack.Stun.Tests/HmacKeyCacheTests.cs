using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RtcStack.Stun.Tests;

/// <summary>
/// The per-thread MESSAGE-INTEGRITY key cache is bounded: a flood of distinct keys (one per username) allocates
/// nothing and keeps at most <see cref="HmacKeyCache.Capacity"/> keyed HMACs, and every answer equals a one-shot HMAC.
/// </summary>
public sealed class HmacKeyCacheTests
{
    private const int FloodKeys = 5000;

    [Fact]
    public void A_flood_of_distinct_keys_allocates_nothing_and_stays_at_the_bound()
    {
        byte[] message = BuildRequest();
        byte[] keys = new byte[((3 * FloodKeys) + 1) * 16];
        RandomNumberGenerator.Fill(keys);
        Assert.False(VerifyAll(message, keys.AsSpan(0, 16), 1)); // warm up JIT and the per-thread caches
        Assert.True(Sign(message, keys.AsSpan(0, 16)));
        Assert.True(Sign(message, keys.AsSpan(0, 16)));
        // The least of 3 rounds of distinct keys: a late tier-1 JIT promotion may allocate once (a loaded CI machine),
        // while an allocation per key shows in every round.
        long allocated = long.MaxValue;
        bool anyVerified = false;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            anyVerified |= VerifyAll(message, keys.AsSpan(16 + (round * FloodKeys * 16)), FloodKeys);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.False(anyVerified);
        Assert.Equal(0, allocated);
        Assert.InRange(StunIntegrity.CurrentThreadCache(sha256: false)!.Count, 1, HmacKeyCache.Capacity);
        Assert.InRange(StunIntegrity.CurrentThreadCache(sha256: true)!.Count, 1, HmacKeyCache.Capacity);
    }

    [Fact]
    public void Keys_used_twice_are_kept_up_to_the_capacity_and_least_recently_used_go_first()
    {
        var cache = new HmacKeyCache(HashAlgorithmName.SHA1);
        byte[] data = [1, 2, 3, 4, 5];
        byte[][] keys = [.. Enumerable.Range(0, HmacKeyCache.Capacity + 3).Select(i => new byte[] { (byte)i, 9, 9 })];
        foreach (byte[] key in keys)
        {
            AssertMac(cache, HashAlgorithmName.SHA1, key, data); // first sight: one-shot, candidate only
            AssertMac(cache, HashAlgorithmName.SHA1, key, data); // second: kept
            Assert.InRange(cache.Count, 1, HmacKeyCache.Capacity);
        }

        Assert.Equal(HmacKeyCache.Capacity, cache.Count);
        for (int round = 0; round < 3; round++)
        {
            foreach (byte[] key in keys)
            {
                AssertMac(cache, HashAlgorithmName.SHA1, key, data);
            }
        }

        Assert.Equal(HmacKeyCache.Capacity, cache.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public void Every_key_length_and_algorithm_matches_a_one_shot_hmac(int keyLength)
    {
        byte[] key = new byte[keyLength];
        RandomNumberGenerator.Fill(key);
        byte[] other = [.. key, 7];
        byte[] data = new byte[100];
        RandomNumberGenerator.Fill(data);
        foreach (HashAlgorithmName algorithm in new[] { HashAlgorithmName.SHA1, HashAlgorithmName.SHA256 })
        {
            var cache = new HmacKeyCache(algorithm);
            for (int i = 0; i < 5; i++)
            {
                AssertMac(cache, algorithm, key, data);
                AssertMac(cache, algorithm, other, data);
                AssertMac(cache, algorithm, key, data.AsSpan(i).ToArray());
            }

            Assert.Equal(keyLength < HmacKeyCache.MaxKeyLength ? 2 : keyLength == HmacKeyCache.MaxKeyLength ? 1 : 0, cache.Count);
        }
    }

    private static void AssertMac(HmacKeyCache cache, HashAlgorithmName algorithm, byte[] key, byte[] data)
    {
        byte[] expected = algorithm == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA1.HashData(key, data);
        byte[] actual = new byte[expected.Length];
        cache.Compute(key, data, actual);
        Assert.Equal(expected, actual);
    }

    private static byte[] BuildRequest()
    {
        byte[] buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.NewRandom());
        writer.AddSoftware("flood");
        writer.AddMessageIntegrity(new byte[16]);
        writer.AddMessageIntegritySha256(new byte[16]);
        Assert.True(writer.TryComplete(out int length));
        return buffer[..length];
    }

    private static bool Sign(byte[] message, ReadOnlySpan<byte> key)
    {
        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, message.AsSpan(8, 12));
        writer.AddMessageIntegrity(key);
        writer.AddMessageIntegritySha256(key);
        return writer.TryComplete(out int length) && BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]) == length - 20;
    }

    private static bool VerifyAll(byte[] message, ReadOnlySpan<byte> keys, int count)
    {
        bool any = false;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> key = keys.Slice(i * 16, 16);
            if (StunMessageReader.TryParse(message, out StunMessageReader reader) == StunParseResult.Success)
            {
                any |= reader.VerifyMessageIntegrity(key) | reader.VerifyMessageIntegritySha256(key);
            }
        }

        return any;
    }
}
