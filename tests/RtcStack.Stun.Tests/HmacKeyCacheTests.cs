using System.Buffers.Binary;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;

namespace RtcStack.Stun.Tests;

/// <summary>
/// The per-thread MESSAGE-INTEGRITY key cache is bounded: a flood of distinct keys (one per username) allocates
/// nothing and keeps at most <see cref="HmacKeyCache.Capacity"/> keyed HMACs, only signing keeps a key (an
/// unauthenticated sender cannot promote or evict one), and every answer equals a one-shot HMAC.
/// </summary>
public sealed class HmacKeyCacheTests
{
    private const int FloodKeys = 5000;

    [Fact]
    public void A_flood_of_distinct_keys_allocates_nothing_and_stays_at_the_bound() => OnFreshThread(() =>
    {
        byte[] message = BuildRequest();
        byte[] keys = new byte[((3 * FloodKeys) + 1) * 16];
        RandomNumberGenerator.Fill(keys);
        ReadOnlySpan<byte> warm = keys.AsSpan(0, 16);
        Assert.Equal(0, VerifyAll(message, warm, 1)); // warm up JIT and the per-thread caches
        Assert.True(Sign(message, warm));
        Assert.True(Sign(message, warm)); // signed twice in a row: kept
        // The least of 3 rounds of distinct keys: a late tier-1 JIT promotion may allocate once (a loaded CI machine),
        // while an allocation per key shows in every round.
        long allocated = long.MaxValue;
        int verified = 0;
        int unusable = 0;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            verified += VerifyAll(message, keys.AsSpan(16 + (round * FloodKeys * 16)), FloodKeys, out int bad);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            unusable += bad;
        }

        Assert.Equal(0, unusable);
        Assert.Equal(0, verified);
        Assert.Equal(0, allocated);
        foreach (bool sha256 in new[] { false, true })
        {
            HmacKeyCache cache = StunIntegrity.CurrentThreadCache(sha256)!;
            Assert.Equal(1, cache.Count); // this thread's caches hold only the signing key
            Assert.True(cache.Contains(warm));
        }
    });

    [Fact]
    public void Repeated_unauthenticated_verifies_with_one_key_never_keep_or_evict_a_key() => OnFreshThread(() =>
    {
        byte[] message = BuildRequest(); // integrity computed with a zero key: wrong for every key below
        byte[] attacker = [.. Enumerable.Repeat((byte)0xA5, 16)];
        byte[][] signing = [.. Enumerable.Range(0, HmacKeyCache.Capacity).Select(i => new byte[] { (byte)i, 1, 2, 3 })];
        Assert.Equal(0, VerifyAll(message, attacker, 1)); // the first verify creates the thread's caches
        foreach (bool sha256 in new[] { false, true })
        {
            Assert.Equal(0, StunIntegrity.CurrentThreadCache(sha256)!.Count);
        }

        foreach (byte[] key in signing)
        {
            Assert.True(Sign(message, key));
            Assert.True(Sign(message, key));
        }

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(0, VerifyAll(message, attacker, 1)); // the same username's key with a garbage MESSAGE-INTEGRITY
        }

        foreach (bool sha256 in new[] { false, true })
        {
            HmacKeyCache cache = StunIntegrity.CurrentThreadCache(sha256)!;
            Assert.False(cache.Contains(attacker));
            Assert.All(signing, key => Assert.True(cache.Contains(key)));
        }

        // The verified key is also not made a signing candidate: one signature with it later is still one-shot.
        Assert.True(Sign(message, attacker));
        Assert.False(StunIntegrity.CurrentThreadCache(sha256: false)!.Contains(attacker));
    });

    [Fact]
    public void Verifying_only_looks_keys_up()
    {
        var cache = new HmacKeyCache(HashAlgorithmName.SHA1);
        byte[] data = [1, 2, 3, 4, 5];
        byte[] key = [7, 7, 7];
        for (int i = 0; i < 5; i++)
        {
            AssertMac(cache, HashAlgorithmName.SHA1, key, data, keep: false);
        }

        Assert.Equal(0, cache.Count);
        AssertMac(cache, HashAlgorithmName.SHA1, key, data, keep: true); // candidate
        AssertMac(cache, HashAlgorithmName.SHA1, key, data, keep: false); // a lookup in between does not count
        Assert.Equal(0, cache.Count);
        AssertMac(cache, HashAlgorithmName.SHA1, key, data, keep: true); // the candidate signs again: kept
        Assert.True(cache.Contains(key));
        AssertMac(cache, HashAlgorithmName.SHA1, key, data, keep: false); // a kept key answers a verify
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Keys_used_twice_are_kept_up_to_the_capacity_and_least_recently_used_go_first()
    {
        var cache = new HmacKeyCache(HashAlgorithmName.SHA1);
        byte[] data = [1, 2, 3, 4, 5];
        const int Extra = 3;
        byte[][] keys = [.. Enumerable.Range(0, HmacKeyCache.Capacity + Extra).Select(i => new byte[] { (byte)i, 9, 9 })];
        foreach (byte[] key in keys)
        {
            AssertMac(cache, HashAlgorithmName.SHA1, key, data, keep: true); // first sight: one-shot, candidate only
            Assert.False(cache.Contains(key));
            AssertMac(cache, HashAlgorithmName.SHA1, key, data, keep: true); // second: kept
            Assert.True(cache.Contains(key));
            Assert.InRange(cache.Count, 1, HmacKeyCache.Capacity);
        }

        Assert.Equal(HmacKeyCache.Capacity, cache.Count);
        Assert.All(keys[..Extra], key => Assert.False(cache.Contains(key))); // the least recently used were evicted
        Assert.All(keys[Extra..], key => Assert.True(cache.Contains(key)));

        // Using keys[Extra] makes keys[Extra + 1] the least recently used: it goes when keys[0] is kept again.
        AssertMac(cache, HashAlgorithmName.SHA1, keys[Extra], data, keep: true);
        AssertMac(cache, HashAlgorithmName.SHA1, keys[0], data, keep: true);
        AssertMac(cache, HashAlgorithmName.SHA1, keys[0], data, keep: true);
        Assert.True(cache.Contains(keys[0]));
        Assert.True(cache.Contains(keys[Extra]));
        Assert.False(cache.Contains(keys[Extra + 1]));
        for (int round = 0; round < 3; round++)
        {
            foreach (byte[] key in keys)
            {
                AssertMac(cache, HashAlgorithmName.SHA1, key, data, keep: true);
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
                AssertMac(cache, algorithm, key, data, keep: true);
                AssertMac(cache, algorithm, key, data, keep: false);
                AssertMac(cache, algorithm, key, data, keep: true);
                AssertMac(cache, algorithm, other, data, keep: true);
                AssertMac(cache, algorithm, other, data, keep: true);
                AssertMac(cache, algorithm, key, data.AsSpan(i).ToArray(), keep: true);
            }

            Assert.Equal(keyLength < HmacKeyCache.MaxKeyLength ? 2 : keyLength == HmacKeyCache.MaxKeyLength ? 1 : 0, cache.Count);
        }
    }

    private static void AssertMac(HmacKeyCache cache, HashAlgorithmName algorithm, byte[] key, byte[] data, bool keep)
    {
        byte[] expected = algorithm == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA1.HashData(key, data);
        byte[] actual = new byte[expected.Length];
        cache.Compute(key, data, actual, keep);
        Assert.Equal(expected, actual);
    }

    /// <summary>Runs <paramref name="body"/> on a new thread, whose per-thread key caches start empty.</summary>
    private static void OnFreshThread(Action body)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
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

    /// <summary>
    /// Verifies both integrity attributes of <paramref name="message"/> with each 16-byte key and returns how many
    /// verifications succeeded; fails when the message does not parse with both attributes (asserted after the loop).
    /// </summary>
    private static int VerifyAll(byte[] message, ReadOnlySpan<byte> keys, int count)
    {
        int verified = VerifyAll(message, keys, count, out int unusable);
        Assert.Equal(0, unusable);
        return verified;
    }

    private static int VerifyAll(byte[] message, ReadOnlySpan<byte> keys, int count, out int unusable)
    {
        int verified = 0;
        unusable = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> key = keys.Slice(i * 16, 16);
            if (StunMessageReader.TryParse(message, out StunMessageReader reader) != StunParseResult.Success
                || !reader.HasMessageIntegrity || !reader.HasMessageIntegritySha256)
            {
                unusable++;
                continue;
            }

            verified += (reader.VerifyMessageIntegrity(key) ? 1 : 0) + (reader.VerifyMessageIntegritySha256(key) ? 1 : 0);
        }

        return verified;
    }
}
