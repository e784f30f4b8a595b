using System.Net;
using FsCheck.Xunit;
using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>
/// <see cref="SocketAddressReader.Write"/>: the sockaddr_in / sockaddr_in6 it writes for bind(2) and connect(2) are byte
/// for byte what .NET serialises for the same endpoint, and the raw reader reads them back.
/// </summary>
public sealed class SocketAddressWriterTests
{
    [Theory]
    [InlineData("127.0.0.1", 3478)]
    [InlineData("203.0.113.9", 0)]
    [InlineData("255.255.255.255", 65535)]
    [InlineData("::1", 3478)]
    [InlineData("2001:db8::1:2:3:4", 49152)]
    [InlineData("fe80::1", 1)]
    public void Writes_what_dotnet_serialises_and_reads_it_back(string ip, int port)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the family field's value is Linux's
        }
        var endPoint = new IPEndPoint(IPAddress.Parse(ip), port);
        TransportAddress address = TransportAddress.FromEndPoint(endPoint);
        Span<byte> raw = stackalloc byte[SocketAddressReader.SockaddrIn6];
        raw.Fill(0xAA); // stale bytes must not survive

        int length = SocketAddressReader.Write(address, (ushort)port, raw);

        Assert.Equal(endPoint.Serialize().Buffer.Span[..length].ToArray(), raw[..length].ToArray());
        Assert.Equal(address, SocketAddressReader.Read(raw));
    }

    [Fact]
    public void Writes_the_port_it_is_given_and_nothing_into_a_buffer_too_small()
    {
        TransportAddress v4 = TransportAddress.FromIPv4(0x7F000001, 3478);
        TransportAddress v6 = TransportAddress.FromIPv6(0x20010DB800000000, 1, 3478);
        Span<byte> raw = stackalloc byte[SocketAddressReader.SockaddrIn6];

        Assert.Equal(SocketAddressReader.SockaddrIn, SocketAddressReader.Write(v4, 0, raw));
        Assert.Equal(TransportAddress.FromIPv4(0x7F000001, 0), SocketAddressReader.Read(raw));
        Assert.Equal(0, SocketAddressReader.Write(v4, 1, raw[..(SocketAddressReader.SockaddrIn - 1)]));
        Assert.Equal(0, SocketAddressReader.Write(v6, 1, raw[..(SocketAddressReader.SockaddrIn6 - 1)]));
    }

    [Property(MaxTest = 500)]
    public bool Read_of_Write_is_the_address(uint ipv4, ulong high, ulong low, ushort port, bool ipv6)
    {
        if (ipv6 && high == 0 && (low >> 32) == 0xFFFF)
        {
            return true; // an IPv4-mapped address reads back normalised, as IPv4
        }
        TransportAddress address = ipv6 ? TransportAddress.FromIPv6(high, low, port) : TransportAddress.FromIPv4(ipv4, port);
        Span<byte> raw = stackalloc byte[SocketAddressReader.SockaddrIn6];
        return SocketAddressReader.Write(address, port, raw) > 0 && SocketAddressReader.Read(raw).Equals(address);
    }
}
