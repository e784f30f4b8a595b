using System.Text;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests;

/// <summary>
/// Server side of RFC 8489 §9.2: MESSAGE-INTEGRITY-SHA256, PASSWORD-ALGORITHMS / PASSWORD-ALGORITHM negotiation announced
/// by the nonce cookie, USERHASH; and RFC 5389 clients (MESSAGE-INTEGRITY, MD5 key, no algorithm attributes) still served.
/// </summary>
public sealed class Rfc8489AuthTests
{
    private static readonly StunPasswordAlgorithm[] Offered = [StunPasswordAlgorithm.Sha256, StunPasswordAlgorithm.Md5];

    /// <summary>How a test request identifies and signs itself.</summary>
    private sealed record Signing(
        StunPasswordAlgorithm Key,
        bool Sha256Integrity,
        StunPasswordAlgorithm[]? List = null,
        StunPasswordAlgorithm? Choice = null,
        bool UserHash = false,
        string User = TestHarness.User,
        string Password = TestHarness.Password);

    private static byte[] Build(byte[] nonce, Signing s, StunMethod method = StunMethod.Allocate)
    {
        var buffer = new byte[1500];
        var writer = new StunMessageWriter(buffer, new StunMessageType(method, StunClass.Request), TransactionId.NewRandom());
        writer.AddRequestedTransport(17);
        if (s.UserHash)
        {
            byte[] hash = new byte[32];
            StunCredentials.ComputeUserHash(Encoding.UTF8.GetBytes(s.User), Encoding.UTF8.GetBytes(TestHarness.Realm), hash);
            writer.AddUserHash(hash);
        }
        else
        {
            writer.AddUsername(s.User);
        }
        writer.AddRealm(TestHarness.Realm);
        writer.AddNonce(nonce);
        if (s.List is not null)
        {
            writer.AddPasswordAlgorithms(s.List);
        }
        if (s.Choice is { } choice)
        {
            writer.AddPasswordAlgorithm(choice);
        }
        byte[] key = StunCredentials.ComputeLongTermKey(s.User, TestHarness.Realm, s.Password, s.Key);
        if (s.Sha256Integrity)
        {
            writer.AddMessageIntegritySha256(key);
        }
        else
        {
            writer.AddMessageIntegrity(key);
        }
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out int length));
        return buffer[..length];
    }

    private static byte[] Nonce(TestHarness h, FiveTuple tuple)
    {
        var c = new TestClient();
        c.Challenge(h, tuple);
        return c.Nonce;
    }

    [Theory]
    [InlineData(StunPasswordAlgorithm.Sha256, true, true)]
    [InlineData(StunPasswordAlgorithm.Sha256, false, true)]
    [InlineData(StunPasswordAlgorithm.Md5, true, true)]
    [InlineData(StunPasswordAlgorithm.Md5, false, true)]
    [InlineData(StunPasswordAlgorithm.Md5, true, false)]
    [InlineData(StunPasswordAlgorithm.Md5, false, false)]
    public async Task Accepted_and_answered_with_the_same_integrity(StunPasswordAlgorithm key, bool sha256Integrity, bool negotiate)
    {
        await using var h = new TestHarness();
        FiveTuple tuple = h.Tuple();
        byte[] nonce = Nonce(h, tuple);
        var signing = new Signing(key, sha256Integrity, negotiate ? Offered : null, negotiate ? key : null);
        byte[] response = h.Send(Build(nonce, signing), tuple)!;
        Assert.Equal(0, Answer.ErrorCode(response));
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(response, out StunMessageReader r));
        byte[] keyBytes = StunCredentials.ComputeLongTermKey(TestHarness.User, TestHarness.Realm, TestHarness.Password, key);
        Assert.Equal(sha256Integrity, r.HasMessageIntegritySha256);
        Assert.Equal(!sha256Integrity, r.HasMessageIntegrity);
        Assert.True(sha256Integrity ? r.VerifyMessageIntegritySha256(keyBytes) : r.VerifyMessageIntegrity(keyBytes));
    }

    [Theory]
    [InlineData("choice without the list")]
    [InlineData("list without a choice")]
    [InlineData("list differs from the one sent")]
    [InlineData("choice not in the list")]
    public async Task Mismatched_algorithm_attributes_are_a_bad_request(string what)
    {
        await using var h = new TestHarness();
        FiveTuple tuple = h.Tuple();
        byte[] nonce = Nonce(h, tuple);
        Signing s = what switch
        {
            "choice without the list" => new(StunPasswordAlgorithm.Sha256, true, null, StunPasswordAlgorithm.Sha256),
            "list without a choice" => new(StunPasswordAlgorithm.Md5, true, Offered),
            "list differs from the one sent" => new(StunPasswordAlgorithm.Md5, true, [StunPasswordAlgorithm.Md5], StunPasswordAlgorithm.Md5),
            _ => new(StunPasswordAlgorithm.Md5, true, Offered, (StunPasswordAlgorithm)7),
        };
        Assert.Equal(400, Answer.ErrorCode(h.Send(Build(nonce, s), tuple)));
        Assert.Equal(0, h.Server.ActiveAllocations);
    }

    [Fact]
    public async Task Wrong_key_for_the_chosen_algorithm_is_401()
    {
        await using var h = new TestHarness();
        FiveTuple tuple = h.Tuple();
        byte[] nonce = Nonce(h, tuple);
        // Signed with the MD5 key while claiming SHA-256.
        byte[] request = Build(nonce, new Signing(StunPasswordAlgorithm.Md5, true, Offered, StunPasswordAlgorithm.Sha256));
        Assert.Equal(401, Answer.ErrorCode(h.Send(request, tuple)));
        Assert.Equal(401, Answer.ErrorCode(h.Send(Build(nonce, new Signing(StunPasswordAlgorithm.Sha256, true, Password: "wrong")), tuple)));
    }

    [Fact]
    public async Task Feature_bits_cannot_be_stripped_from_the_nonce()
    {
        await using var h = new TestHarness();
        FiveTuple tuple = h.Tuple();
        byte[] nonce = Nonce(h, tuple);
        Assert.Equal("obMatJos2gAAA", Encoding.ASCII.GetString(nonce, 0, 13)); // password algorithms; no anonymity (REST secret set)
        byte[] downgraded = [.. nonce];
        Encoding.ASCII.GetBytes("AAAA").CopyTo(downgraded, 9);
        Assert.Equal(438, Answer.ErrorCode(h.Send(Build(downgraded, new Signing(StunPasswordAlgorithm.Md5, false)), tuple)));
    }

    [Fact]
    public async Task UserHash_identifies_static_users_and_anonymity_is_announced_without_a_rest_secret()
    {
        await using var h = new TestHarness(o => o.StaticAuthSecret = null);
        FiveTuple tuple = h.Tuple();
        byte[] nonce = Nonce(h, tuple);
        Assert.Equal("obMatJos2wAAA", Encoding.ASCII.GetString(nonce, 0, 13));
        var signing = new Signing(StunPasswordAlgorithm.Sha256, true, Offered, StunPasswordAlgorithm.Sha256, UserHash: true);
        Assert.Equal(0, Answer.ErrorCode(h.Send(Build(nonce, signing), tuple)));
        Assert.Equal(TestHarness.User, h.State.Allocations.All.Single().Info.Username);
        var stranger = signing with { User = "mallory", Password = "x" };
        Assert.Equal(401, Answer.ErrorCode(h.Send(Build(nonce, stranger), h.Tuple(40001))));
    }

    [Fact]
    public async Task Rest_credentials_work_with_sha256_keys()
    {
        await using var h = new TestHarness();
        FiveTuple tuple = h.Tuple();
        byte[] nonce = Nonce(h, tuple);
        string user = TestClient.RestUser(h.Time.GetUtcNow().AddHours(1), "carol");
        var signing = new Signing(StunPasswordAlgorithm.Sha256, true, Offered, StunPasswordAlgorithm.Sha256, User: user, Password: TestClient.RestPassword(user));
        Assert.Equal(0, Answer.ErrorCode(h.Send(Build(nonce, signing), tuple)));
    }
}
