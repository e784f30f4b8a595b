using System.Net;
using System.Text;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Auth;

namespace RtcStack.Turn.Tests;

public class StateTests
{
    private static readonly TransportAddress Client = TransportAddress.FromEndPoint(IPEndPoint.Parse("198.51.100.1:5000"));
    private static readonly TransportAddress Other = TransportAddress.FromEndPoint(IPEndPoint.Parse("198.51.100.2:5000"));

    [Fact]
    public void Nonce_is_valid_for_its_address_until_its_lifetime()
    {
        var time = new ManualTime();
        var nonces = new NonceService(time, 600);
        UInt128 a = Policy.IpAddressValue.FromTransportAddress(Client);
        UInt128 b = Policy.IpAddressValue.FromTransportAddress(Other);
        Span<byte> nonce = stackalloc byte[64];
        nonce = nonce[..nonces.Write(nonce, a)];
        Assert.Equal(NonceService.EncodedLength, nonce.Length);
        Assert.Equal(NonceStatus.Valid, nonces.Check(nonce, a));
        Assert.Equal(NonceStatus.Invalid, nonces.Check(nonce, b));
        time.Advance(TimeSpan.FromSeconds(599));
        Assert.Equal(NonceStatus.Valid, nonces.Check(nonce, a));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(NonceStatus.Stale, nonces.Check(nonce, a));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("obMatJos2gAAAAAAAAAAAAAAAAAA")] // right shape, wrong MAC
    [InlineData("obMatJos2g!AAAAAAAAAAAAAAAAA")]
    [InlineData("xxMatJos2gAAAAAAAAAAAAAAAAAA")]
    public void Forged_nonces_are_invalid(string text)
    {
        var nonces = new NonceService(new ManualTime(), 600);
        Assert.Equal(NonceStatus.Invalid, nonces.Check(Encoding.ASCII.GetBytes(text), 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(NonceService.PasswordAlgorithmsFeature)]
    [InlineData(NonceService.PasswordAlgorithmsFeature | NonceService.UsernameAnonymityFeature)]
    public void Nonce_carries_its_feature_bits(int features)
    {
        var nonces = new NonceService(new ManualTime(), 600, features);
        Span<byte> nonce = stackalloc byte[64];
        nonce = nonce[..nonces.Write(nonce, 9)];
        Assert.True(nonce.StartsWith("obMatJos2"u8));
        Assert.Equal(NonceStatus.Valid, nonces.Check(nonce, 9, out int carried));
        Assert.Equal(features, carried);
    }

    [Fact]
    public void Another_server_key_does_not_validate()
    {
        var time = new ManualTime();
        Span<byte> nonce = stackalloc byte[64];
        nonce = nonce[..new NonceService(time, 600).Write(nonce, 7)];
        Assert.Equal(NonceStatus.Invalid, new NonceService(time, 600).Check(nonce, 7));
    }

    [Fact]
    public void Challenge_rate_is_limited_per_source_and_refills()
    {
        var time = new ManualTime();
        var limiter = new ChallengeRateLimiter(time, 10);
        int granted = Enumerable.Range(0, 100).Count(_ => limiter.TryAcquire(1));
        Assert.Equal(20, granted); // burst = 2 x rate
        Assert.True(limiter.TryAcquire(2)); // another source has its own bucket
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, Enumerable.Range(0, 100).Count(_ => limiter.TryAcquire(1)));
        Assert.True(new ChallengeRateLimiter(time, 0).TryAcquire(1)); // 0 = unlimited
    }

    [Fact]
    public void Challenge_limiter_memory_is_bounded()
    {
        var time = new ManualTime();
        var limiter = new ChallengeRateLimiter(time, 1);
        for (int i = 0; i < ChallengeRateLimiter.MaxSources + 5000; i++)
        {
            limiter.TryAcquire((UInt128)i);
        }
        Assert.True(limiter.TrackedSources <= ChallengeRateLimiter.MaxSources);
    }

    [Fact]
    public void Transaction_cache_answers_within_40_seconds()
    {
        var time = new ManualTime();
        var cache = new TransactionCache(time);
        var tuple = new FiveTuple(Client, Other, TransportProtocol.Udp);
        TransactionId id = TransactionId.NewRandom();
        cache.Add(tuple, id, [1, 2, 3]);
        Assert.True(cache.TryGet(tuple, id, out ReadOnlyMemory<byte> response));
        Assert.Equal([1, 2, 3], response.ToArray());
        Assert.False(cache.TryGet(tuple with { Protocol = TransportProtocol.Tcp }, id, out _));
        Assert.False(cache.TryGet(tuple, TransactionId.NewRandom(), out _));
        time.Advance(TimeSpan.FromSeconds(41));
        Assert.False(cache.TryGet(tuple, id, out _));
        cache.Sweep();
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Quotas_per_user_and_total()
    {
        var table = new AllocationTable(userQuota: 2, totalQuota: 3);
        Assert.Equal(QuotaResult.Reserved, table.TryReserve("alice"));
        Assert.Equal(QuotaResult.Reserved, table.TryReserve("alice"));
        Assert.Equal(QuotaResult.UserQuotaReached, table.TryReserve("alice"));
        Assert.Equal(QuotaResult.Reserved, table.TryReserve("bob"));
        Assert.Equal(QuotaResult.TotalQuotaReached, table.TryReserve("carol"));
        table.Release("alice");
        Assert.Equal(1, table.CountForUser("alice"));
        Assert.Equal(QuotaResult.Reserved, table.TryReserve("carol"));
        Assert.Equal(QuotaResult.Reserved, new AllocationTable(0, 0).TryReserve("x")); // 0 = no limit
    }

    [Fact]
    public void Bandwidth_cap_passes_one_second_of_bytes_then_refills()
    {
        var limiter = new BandwidthLimiter(1000, 0);
        Assert.True(limiter.TryConsume(600, 0, 1000));
        Assert.True(limiter.TryConsume(400, 0, 1000));
        Assert.False(limiter.TryConsume(1, 0, 1000));
        Assert.True(limiter.TryConsume(500, 500, 1000)); // half a second later: 500 bytes
        Assert.False(limiter.TryConsume(100, 500, 1000));
        Assert.True(new BandwidthLimiter(0, 0).TryConsume(1_000_000, 0, 1000)); // no cap
    }
}
