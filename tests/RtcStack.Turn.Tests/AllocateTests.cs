using RtcStack.Stun;

namespace RtcStack.Turn.Tests;

public class AllocateTests
{
    [Fact]
    public async Task Unauthenticated_allocate_gets_401_with_realm_and_nonce_and_a_small_answer()
    {
        await using var h = new TestHarness();
        var client = new TestClient();
        byte[] request = client.Build(StunMethod.Allocate, TestClient.RequestUdp, sign: false);
        byte[] response = h.Send(request)!;
        Assert.Equal(401, Answer.ErrorCode(response));
        StunMessageReader.TryParse(response, out StunMessageReader reader);
        Assert.True(reader.TryGetRealm(out ReadOnlySpan<byte> realm));
        Assert.Equal(TestHarness.Realm, System.Text.Encoding.UTF8.GetString(realm));
        Assert.True(reader.TryGetNonce(out _));
        // RFC 8489 §9.2.1: the nonce starts with the cookie and the security features; PASSWORD-ALGORITHMS follows.
        Assert.True(reader.TryGetNonce(out ReadOnlySpan<byte> nonce) && nonce.StartsWith("obMatJos2"u8));
        Span<StunPasswordAlgorithm> algorithms = stackalloc StunPasswordAlgorithm[4];
        Assert.Equal(2, reader.GetPasswordAlgorithms(algorithms));
        // Amplification: a real Allocate (REQUESTED-TRANSPORT, FINGERPRINT: 36 bytes) gets at most 3.2x back; a bare
        // 20-byte header, the smallest request, at most 6x (112 bytes: ERROR-CODE, REALM, NONCE, PASSWORD-ALGORITHMS,
        // FINGERPRINT). 401s are also rate-limited per source (ChallengeRateLimiter).
        Assert.True(response.Length <= 3.2 * request.Length, $"401 is {response.Length} bytes for a {request.Length}-byte request");
        byte[] bare = new byte[20];
        request.AsSpan(0, 20).CopyTo(bare);
        bare[2] = 0;
        bare[3] = 0;
        byte[] bareAnswer = h.Send(bare)!;
        Assert.True(bareAnswer.Length <= 6 * bare.Length, $"401 is {bareAnswer.Length} bytes for a {bare.Length}-byte request");
    }

    [Fact]
    public async Task Authenticated_allocate_succeeds_and_is_signed()
    {
        await using var h = new TestHarness();
        var client = new TestClient();
        FiveTuple tuple = h.Tuple();
        client.Challenge(h, tuple);
        byte[] response = h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp), tuple)!;
        Assert.Equal(0, Answer.ErrorCode(response));
        StunMessageReader.TryParse(response, out StunMessageReader reader);
        Assert.True(reader.TryGetXorRelayedAddress(out TransportAddress relayed));
        Assert.True(relayed.Port is >= 41000 and <= 41999);
        Assert.True(reader.TryGetXorMappedAddress(out TransportAddress mapped));
        Assert.Equal(tuple.Client, mapped);
        Assert.True(reader.TryGetLifetime(out uint lifetime));
        Assert.Equal(600u, lifetime);
        Assert.True(reader.VerifyMessageIntegrity(client.Key));
        Assert.True(reader.VerifyFingerprint());
        Assert.Equal(1, h.Server.ActiveAllocations);
    }

    [Fact]
    public async Task Retransmission_gets_the_same_answer_and_a_new_transaction_gets_437()
    {
        await using var h = new TestHarness();
        var client = new TestClient();
        FiveTuple tuple = h.Tuple();
        client.Challenge(h, tuple);
        byte[] request = client.Build(StunMethod.Allocate, TestClient.RequestUdp);
        byte[] first = h.Send(request, tuple)!;
        byte[] again = h.Send(request, tuple)!;
        Assert.Equal(first, again);
        Assert.Equal(1, h.Server.ActiveAllocations);
        Assert.Equal(437, Answer.ErrorCode(h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp), tuple)));
    }

    [Theory]
    [InlineData("alice", "wrong", TestHarness.Realm, 401)]
    [InlineData("nobody", "secret-pw", TestHarness.Realm, 401)]
    [InlineData("alice", "secret-pw", "other.realm", 401)]
    public async Task Bad_credentials_get_401(string user, string password, string realm, int expected)
    {
        await using var h = new TestHarness();
        var good = new TestClient();
        good.Challenge(h, h.Tuple());
        var bad = new TestClient(user, password, realm) { Nonce = good.Nonce };
        Assert.Equal(expected, Answer.ErrorCode(h.Send(bad.Build(StunMethod.Allocate, TestClient.RequestUdp))));
        Assert.Equal(0, h.Server.ActiveAllocations);
    }

    [Fact]
    public async Task Expired_or_foreign_nonce_gets_438()
    {
        await using var h = new TestHarness();
        var client = new TestClient();
        client.Challenge(h, h.Tuple());
        h.Time.Advance(TimeSpan.FromSeconds(601));
        Assert.Equal(438, Answer.ErrorCode(h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp))));
        client.Challenge(h, h.Tuple(40001)); // nonce bound to the address, not the port: still fine
        Assert.Equal(0, Answer.ErrorCode(h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp))));
        client.Nonce = "0123456789012345678901234567"u8.ToArray();
        Assert.Equal(438, Answer.ErrorCode(h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp), h.Tuple(40002))));
    }

    [Theory]
    [InlineData(0, 400)]   // no REQUESTED-TRANSPORT
    [InlineData(6, 400)]   // TCP relay (RFC 6062 §5.1) only over TCP or TLS
    [InlineData(99, 442)]
    public async Task Requested_transport_is_checked(byte protocol, int expected)
    {
        await using var h = new TestHarness();
        var client = new TestClient();
        client.Challenge(h, h.Tuple());
        byte[] request = client.Build(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            if (protocol != 0)
            {
                w.AddRequestedTransport(protocol);
            }
        });
        Assert.Equal(expected, Answer.ErrorCode(h.Send(request)));
    }

    [Fact]
    public async Task Ipv6_family_without_an_ipv6_relay_gets_440()
    {
        await using var h = new TestHarness();
        var client = new TestClient();
        client.Challenge(h, h.Tuple());
        byte[] request = client.Build(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(17);
            w.AddRequestedAddressFamily(StunAddressFamily.IPv6);
        });
        Assert.Equal(440, Answer.ErrorCode(h.Send(request)));
    }

    [Fact]
    public async Task Unknown_comprehension_required_attribute_gets_420()
    {
        await using var h = new TestHarness();
        var client = new TestClient();
        byte[] request = client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddAttribute((StunAttributeType)0x7F01, [1, 2, 3, 4]), sign: false);
        byte[] response = h.Send(request)!;
        Assert.Equal(420, Answer.ErrorCode(response));
        StunMessageReader.TryParse(response, out StunMessageReader reader);
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[4];
        Assert.Equal(1, reader.GetUnknownAttributes(unknown));
        Assert.Equal((StunAttributeType)0x7F01, unknown[0]);
    }

    [Fact]
    public async Task User_quota_gets_486()
    {
        await using var h = new TestHarness(o => o.UserQuota = 1);
        var client = new TestClient();
        client.Challenge(h, h.Tuple());
        Assert.Equal(0, Answer.ErrorCode(h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp), h.Tuple(40000))));
        Assert.Equal(486, Answer.ErrorCode(h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp), h.Tuple(40001))));
        var bob = new TestClient("bob", "bob-pw") { Nonce = client.Nonce };
        Assert.Equal(0, Answer.ErrorCode(h.Send(bob.Build(StunMethod.Allocate, TestClient.RequestUdp), h.Tuple(40002))));
    }

    [Fact]
    public async Task Rest_credentials_work_until_they_expire()
    {
        await using var h = new TestHarness();
        string name = TestClient.RestUser(h.Time.GetUtcNow().AddMinutes(10), "carol");
        var rest = new TestClient(name, TestClient.RestPassword(name));
        rest.Challenge(h, h.Tuple());
        Assert.Equal(0, Answer.ErrorCode(h.Send(rest.Build(StunMethod.Allocate, TestClient.RequestUdp), h.Tuple(40000))));
        Assert.Equal(1, h.State.Allocations.CountForUser("carol"));
        var forged = new TestClient(name, "not-the-hmac") { Nonce = rest.Nonce };
        Assert.Equal(401, Answer.ErrorCode(h.Send(forged.Build(StunMethod.Allocate, TestClient.RequestUdp), h.Tuple(40001))));
        h.Time.Advance(TimeSpan.FromMinutes(11));
        rest.Challenge(h, h.Tuple(40002));
        Assert.Equal(401, Answer.ErrorCode(h.Send(rest.Build(StunMethod.Allocate, TestClient.RequestUdp), h.Tuple(40002))));
    }

    [Fact]
    public async Task Binding_answers_xor_mapped_address_without_auth()
    {
        await using var h = new TestHarness();
        byte[] response = h.Send(new TestClient().Build(StunMethod.Binding, sign: false))!;
        Assert.Equal(0, Answer.ErrorCode(response));
        StunMessageReader.TryParse(response, out StunMessageReader reader);
        Assert.True(reader.TryGetXorMappedAddress(out TransportAddress mapped));
        Assert.Equal(h.Tuple().Client, mapped);
        Assert.True(response.Length <= 20 + 12 + 8);
    }

    [Fact]
    public async Task Challenges_are_rate_limited_per_source()
    {
        await using var h = new TestHarness(o => o.ChallengesPerSecondPerIp = 5);
        var client = new TestClient();
        int answered = 0;
        for (int i = 0; i < 50; i++)
        {
            if (h.Send(client.Build(StunMethod.Allocate, TestClient.RequestUdp, sign: false), h.Tuple(40000 + i)) is not null)
            {
                answered++;
            }
        }
        Assert.Equal(10, answered);
    }

    [Fact]
    public async Task Even_port_with_reservation_then_allocate_with_the_token()
    {
        await using var h = new TestHarness();
        var client = new TestClient();
        client.Challenge(h, h.Tuple(40000));
        byte[] first = h.Send(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(17);
            w.AddEvenPort(reserveNextPort: true);
        }), h.Tuple(40000))!;
        Assert.Equal(0, Answer.ErrorCode(first));
        StunMessageReader.TryParse(first, out StunMessageReader r1);
        Assert.True(r1.TryGetXorRelayedAddress(out TransportAddress even));
        Assert.Equal(0, even.Port % 2);
        Assert.True(r1.TryGetReservationToken(out ulong token));
        byte[] second = h.Send(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(17);
            w.AddReservationToken(token);
        }), h.Tuple(40001))!;
        Assert.Equal(0, Answer.ErrorCode(second));
        StunMessageReader.TryParse(second, out StunMessageReader r2);
        Assert.True(r2.TryGetXorRelayedAddress(out TransportAddress odd));
        Assert.Equal(even.Port + 1, odd.Port);
        // A token works once.
        Assert.Equal(508, Answer.ErrorCode(h.Send(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(17);
            w.AddReservationToken(token);
        }), h.Tuple(40002))));
    }
}
