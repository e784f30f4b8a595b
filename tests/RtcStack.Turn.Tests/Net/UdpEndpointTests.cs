using System.Net;
using System.Net.Sockets;
using RtcStack.Net;
using RtcStack.Stun;

namespace RtcStack.Turn.Tests.Net;

public sealed class UdpEndpointTests
{
    [Fact]
    public async Task Echo_round_trip_reports_the_source_address()
    {
        await using UdpEndpoint server = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), new EchoDatagramHandler());
        var recorder = new RecordingDatagramHandler();
        await using UdpEndpoint client = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), recorder);
        server.Start();
        client.Start();

        Assert.Equal(SocketError.Success, client.Send("hello"u8, server.LocalAddress));
        await recorder.WaitForAsync(1);

        Assert.True(recorder.Received.TryDequeue(out var datagram));
        Assert.Equal("hello"u8.ToArray(), datagram.Data);
        Assert.Equal(server.LocalAddress, datagram.Source);
        Assert.Equal(1, server.Counters.PacketsReceived);
        Assert.Equal(1, server.Counters.PacketsSent);
        Assert.Equal(5, server.Counters.BytesReceived);
    }

    [Fact]
    public async Task Ipv6_loopback_round_trip()
    {
        UdpEndpoint server;
        try
        {
            server = UdpEndpoint.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0), new EchoDatagramHandler());
        }
        catch (SocketException)
        {
            return; // no IPv6 on this host: nothing to test
        }

        await using (server)
        {
            var recorder = new RecordingDatagramHandler();
            await using UdpEndpoint client = UdpEndpoint.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0), recorder);
            server.Start();
            client.Start();
            Assert.Equal(SocketError.Success, client.Send(new byte[1200], server.LocalAddress));
            await recorder.WaitForAsync(1);
            Assert.True(recorder.Received.TryDequeue(out var datagram));
            Assert.Equal(1200, datagram.Data.Length);
            Assert.True(datagram.Source.IsIPv6);
            Assert.Equal(server.LocalAddress, datagram.Source);
        }
    }

    [Fact]
    public async Task Bad_and_throwing_packets_are_counted_and_the_loop_goes_on()
    {
        await using UdpEndpoint server = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), new EchoDatagramHandler());
        var recorder = new RecordingDatagramHandler();
        await using UdpEndpoint client = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), recorder);
        server.Start();
        client.Start();

        client.Send([0xFF, 1, 2], server.LocalAddress);   // malformed
        client.Send([0xEE, 1, 2], server.LocalAddress);   // handler throws
        client.Send(ReadOnlySpan<byte>.Empty, server.LocalAddress); // empty datagram
        client.Send("still alive"u8, server.LocalAddress);
        await recorder.WaitForAsync(2); // the empty echo and "still alive"

        Assert.Equal(1, server.Counters.Malformed);
        Assert.Equal(1, server.Counters.HandlerFailures);
        Assert.Equal(4, server.Counters.PacketsReceived);
        Assert.Contains(recorder.Received, d => d.Data.AsSpan().SequenceEqual("still alive"u8));
    }

    [Fact]
    public async Task Send_errors_are_values()
    {
        var endpoint = UdpEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), new RecordingDatagramHandler());
        TransportAddress v6 = TransportAddress.FromIPv6(0, 1, 9);
        Assert.Equal(SocketError.AddressFamilyNotSupported, endpoint.Send([1], v6));
        Assert.Equal(SocketError.AddressFamilyNotSupported, endpoint.Send([1], default));
        Assert.Equal(2, endpoint.Counters.SendErrors);
        await endpoint.DisposeAsync();
        Assert.NotEqual(SocketError.Success, endpoint.Send([1], endpoint.LocalAddress));
    }

    [Fact]
    public void Socket_address_codec_round_trips_and_maps_ipv4_into_ipv6()
    {
        TransportAddress v4 = TransportAddress.FromEndPoint(IPEndPoint.Parse("192.0.2.7:3478"));
        TransportAddress v6 = TransportAddress.FromEndPoint(IPEndPoint.Parse("[2001:db8::9]:65535"));
        SocketAddress a4 = SocketAddressCodec.Create(AddressFamily.InterNetwork);
        SocketAddress a6 = SocketAddressCodec.Create(AddressFamily.InterNetworkV6);

        Assert.True(SocketAddressCodec.TryWrite(v4, a4));
        Assert.Equal(v4, SocketAddressCodec.Read(a4));
        Assert.Equal(IPEndPoint.Parse("192.0.2.7:3478"), new IPEndPoint(IPAddress.Any, 0).Create(a4));
        Assert.True(SocketAddressCodec.TryWrite(v6, a6));
        Assert.Equal(v6, SocketAddressCodec.Read(a6));
        Assert.False(SocketAddressCodec.TryWrite(v6, a4));

        Assert.True(SocketAddressCodec.TryWrite(v4, a6)); // dual-mode: ::ffff:192.0.2.7
        Assert.Equal(IPAddress.Parse("::ffff:192.0.2.7"), ((IPEndPoint)new IPEndPoint(IPAddress.IPv6Any, 0).Create(a6)).Address);
        Assert.Equal(v4, SocketAddressCodec.Read(a6));
    }
}
