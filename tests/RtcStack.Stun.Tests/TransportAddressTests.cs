using System.Net;

namespace RtcStack.Stun.Tests;

public sealed class TransportAddressTests
{
    [Theory]
    [InlineData("[::ffff:10.0.0.1]:80", "10.0.0.1:80")]
    [InlineData("[::ffff:127.0.0.1]:3478", "127.0.0.1:3478")]
    [InlineData("[2001:db8::1]:1", "[2001:db8::1]:1")]
    [InlineData("[::1]:1", "[::1]:1")]
    [InlineData("1.2.3.4:5", "1.2.3.4:5")]
    public void Normalize_unmaps_ipv4_mapped_addresses(string input, string expected)
    {
        Assert.True(TransportAddress.TryParse(input, out TransportAddress address));
        Assert.Equal(expected, address.Normalize().ToString());
    }

    [Fact]
    public void Is_a_good_dictionary_key()
    {
        var map = new Dictionary<FiveTuple, int>();
        TransportAddress.TryParse("192.0.2.1:1000", out TransportAddress client);
        TransportAddress.TryParse("192.0.2.2:3478", out TransportAddress server);
        map[new FiveTuple(client, server, TransportProtocol.Udp)] = 1;
        map[new FiveTuple(client, server, TransportProtocol.Tcp)] = 2;
        map[new FiveTuple(client.WithPort(1001), server, TransportProtocol.Udp)] = 3;
        Assert.Equal(3, map.Count);
        Assert.Equal(1, map[new FiveTuple(TransportAddress.FromEndPoint(IPEndPoint.Parse("192.0.2.1:1000")), server, TransportProtocol.Udp)]);
        Assert.NotEqual(TransportAddress.FromIPv4(0x7F000001, 1), TransportAddress.FromIPv6(0, 0x7F000001, 1));
    }

    [Fact]
    public void Byte_conversions()
    {
        var address = new TransportAddress(IPAddress.Parse("2001:db8::7"), 9);
        Span<byte> bytes = stackalloc byte[16];
        Assert.Equal(16, address.WriteAddressBytes(bytes));
        Assert.Equal(address, new TransportAddress(bytes, 9));
        Assert.False(TransportAddress.TryCreate(bytes[..5], 1, out _));
        Assert.Equal(0, default(TransportAddress).WriteAddressBytes(bytes));
        Assert.Equal(IPAddress.Parse("2001:db8::7"), address.ToIPAddress());
        Assert.Equal(0x7F000001u, TransportAddress.FromEndPoint(IPEndPoint.Parse("127.0.0.1:1")).IPv4Value);
    }
}
