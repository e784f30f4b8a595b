using System.Net;
using RtcStack.Turn.Policy;

namespace RtcStack.Turn.Tests;

public class PeerAddressPolicyTests
{
    private static PeerAddressPolicy Policy(string[]? allow = null, string[]? deny = null, string[]? own = null, string[]? listeners = null) => new(
        (allow ?? []).Select(Range),
        (deny ?? []).Select(Range),
        (own ?? ["203.0.113.10"]).Select(IPAddress.Parse),
        (listeners ?? []).Select(IPEndPoint.Parse));

    private static PeerAddressRange Range(string text) =>
        PeerAddressRange.TryParse(text, out PeerAddressRange r) ? r : throw new ArgumentException(text);

    [Theory]
    // Public unicast: allowed.
    [InlineData("8.8.8.8", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("2a00:1450:4001::1", true)]
    // Default-denied IPv4 ranges.
    [InlineData("0.0.0.0", false)]
    [InlineData("0.1.2.3", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("10.255.255.255", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("100.127.255.254", false)]
    [InlineData("100.128.0.1", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.255.254", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.0.0.8", false)]
    [InlineData("192.0.2.1", false)]
    [InlineData("192.88.99.1", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("198.18.0.1", false)]
    [InlineData("198.51.100.7", false)]
    [InlineData("203.0.113.5", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("239.255.255.250", false)]
    [InlineData("240.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    // Default-denied IPv6 ranges.
    [InlineData("::", false)]
    [InlineData("::1", false)]
    [InlineData("::7f00:1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("2001::1", false)]
    [InlineData("2002:7f00:1::1", false)]
    [InlineData("64:ff9b:1::a00:1", false)]
    [InlineData("100::1", false)]
    [InlineData("fec0::1", false)]
    // IPv4-mapped IPv6: normalised to IPv4 before the check (CVE-2020-26262 class).
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:10.1.2.3", false)]
    [InlineData("::ffff:192.168.0.1", false)]
    [InlineData("::ffff:169.254.169.254", false)]
    [InlineData("::ffff:0.0.0.0", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    // NAT64 well-known prefix 64:ff9b::/96: normalised as well (CVE-2026-27624 class).
    [InlineData("64:ff9b::7f00:1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("64:ff9b::c0a8:101", false)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("64:ff9b::808:808", true)]
    // The server's own address.
    [InlineData("203.0.113.10", false)]
    [InlineData("::ffff:203.0.113.10", false)]
    public void Default_policy(string address, bool allowed)
    {
        PeerAddressDecision decision = Policy().Check(IPAddress.Parse(address));
        Assert.Equal(allowed, PeerAddressPolicy.IsAllowed(decision));
    }

    [Theory]
    // Allow rules open default-denied ranges, in every spelling of the address.
    [InlineData(new[] { "127.0.0.1" }, new string[0], "127.0.0.1", true)]
    [InlineData(new[] { "127.0.0.1" }, new string[0], "::ffff:127.0.0.1", true)]
    [InlineData(new[] { "127.0.0.1" }, new string[0], "64:ff9b::7f00:1", true)]
    [InlineData(new[] { "127.0.0.1" }, new string[0], "127.0.0.2", false)]
    [InlineData(new[] { "10.0.0.0/8" }, new string[0], "10.9.8.7", true)]
    [InlineData(new[] { "10.0.0.1-10.0.0.9" }, new string[0], "10.0.0.9", true)]
    [InlineData(new[] { "10.0.0.1-10.0.0.9" }, new string[0], "10.0.0.10", false)]
    [InlineData(new[] { "::ffff:10.0.0.0/104" }, new string[0], "10.1.1.1", true)]
    [InlineData(new[] { "fd00::/8" }, new string[0], "fd00::5", true)]
    // Deny rules close public ranges, again in every spelling.
    [InlineData(new string[0], new[] { "8.8.8.0/24" }, "8.8.8.8", false)]
    [InlineData(new string[0], new[] { "8.8.8.0/24" }, "::ffff:8.8.8.8", false)]
    [InlineData(new string[0], new[] { "8.8.8.0/24" }, "64:ff9b::808:808", false)]
    [InlineData(new string[0], new[] { "8.8.8.0/24" }, "8.8.4.4", true)]
    [InlineData(new string[0], new[] { "2001:4860::/32" }, "2001:4860:4860::8888", false)]
    // Most specific rule wins; an allow beats a deny of the same size (coturn).
    [InlineData(new[] { "10.0.0.5" }, new[] { "10.0.0.0/8" }, "10.0.0.5", true)]
    [InlineData(new[] { "10.0.0.5" }, new[] { "10.0.0.0/8" }, "10.0.0.6", false)]
    [InlineData(new[] { "10.0.0.0/8" }, new[] { "10.1.0.0/16" }, "10.1.2.3", false)]
    [InlineData(new[] { "10.0.0.0/8" }, new[] { "10.1.0.0/16" }, "10.2.2.3", true)]
    [InlineData(new[] { "1.2.3.4" }, new[] { "1.2.3.4" }, "1.2.3.4", true)]
    // Allow rule opens the server's own address too (needed for loopback tests).
    [InlineData(new[] { "203.0.113.10" }, new string[0], "203.0.113.10", true)]
    public void Operator_rules(string[] allow, string[] deny, string address, bool allowed)
    {
        PeerAddressDecision decision = Policy(allow, deny).Check(IPAddress.Parse(address));
        Assert.Equal(allowed, PeerAddressPolicy.IsAllowed(decision));
    }

    [Fact]
    public void Own_listener_is_never_a_peer_whatever_the_rules()
    {
        PeerAddressPolicy policy = Policy(allow: ["127.0.0.0/8"], listeners: ["127.0.0.1:3478"]);
        UInt128 loopback = IpAddressValue.FromAddress(IPAddress.Loopback);
        Assert.True(policy.IsOwnListener(loopback, 3478));
        Assert.True(policy.IsOwnListener(IpAddressValue.FromAddress(IPAddress.Parse("::ffff:127.0.0.1")), 3478));
        Assert.True(policy.IsOwnListener(IpAddressValue.FromAddress(IPAddress.Parse("64:ff9b::7f00:1")), 3478));
        Assert.False(policy.IsOwnListener(loopback, 3479));
        Assert.Equal(PeerAddressDecision.AllowedByRule, policy.Check(IPAddress.Loopback));
    }

    [Theory]
    [InlineData("1.2.3.4")]
    [InlineData("1.2.3.0/24")]
    [InlineData("1.2.3.4-1.2.3.9")]
    [InlineData("2001:db8::/32")]
    [InlineData("2001:db8::1 - 2001:db8::9")]
    [InlineData("10.1.2.3/8")]
    public void Parses_coturn_and_cidr_spellings(string text) => Assert.True(PeerAddressRange.TryParse(text, out _));

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4/33")]
    [InlineData("1.2.3.9-1.2.3.4")]
    [InlineData("1.2.3.4-2001:db8::1")]
    [InlineData("example.com")]
    [InlineData("1.2.3.4/-1")]
    public void Refuses_bad_ranges(string text) => Assert.False(PeerAddressRange.TryParse(text, out _));

    [Fact]
    public void Check_allocates_nothing()
    {
        PeerAddressPolicy policy = Policy(allow: ["127.0.0.1"], deny: ["8.8.8.0/24"]);
        UInt128 value = IpAddressValue.FromAddress(IPAddress.Parse("64:ff9b::808:808"));
        policy.Check(value);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            policy.Check(value);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
