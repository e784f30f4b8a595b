using System.Net;
using System.Net.Sockets;
using FsCheck.Xunit;

namespace RtcStack.Ice.Tests;

public sealed class MediaPacketClassifierTests
{
    [Theory]
    [InlineData(new byte[] { 0, 1 }, MediaPacketKind.Stun)]
    [InlineData(new byte[] { 3 }, MediaPacketKind.Stun)]
    [InlineData(new byte[] { 20, 0 }, MediaPacketKind.Dtls)]
    [InlineData(new byte[] { 63 }, MediaPacketKind.Dtls)]
    [InlineData(new byte[] { 0x80, 96 }, MediaPacketKind.Rtp)]
    [InlineData(new byte[] { 0x80, 0xE0 }, MediaPacketKind.Rtp)]
    [InlineData(new byte[] { 0x81, 200 }, MediaPacketKind.Rtcp)]
    [InlineData(new byte[] { 0x8F, 206 }, MediaPacketKind.Rtcp)]
    [InlineData(new byte[] { 0xBF, 223 }, MediaPacketKind.Rtcp)]
    [InlineData(new byte[] { 0x80 }, MediaPacketKind.Unknown)]
    [InlineData(new byte[] { 16 }, MediaPacketKind.Unknown)]
    [InlineData(new byte[] { 64 }, MediaPacketKind.Unknown)]
    [InlineData(new byte[] { 192, 0 }, MediaPacketKind.Unknown)]
    [InlineData(new byte[] { }, MediaPacketKind.Unknown)]
    public void Rfc7983_table(byte[] datagram, MediaPacketKind expected) =>
        Assert.Equal(expected, MediaPacketClassifier.Classify(datagram));

    [Property(MaxTest = 1000)]
    public void Classify_never_throws(byte[] data) => MediaPacketClassifier.Classify(data);

    [Fact]
    public async Task Dispatch_never_throws_on_random_datagrams()
    {
        await using var server = IceLiteServer.Start(new IPEndPoint(IPAddress.Loopback, 0));
        using var transport = server.CreateTransport();
        var from = new IPEndPoint(IPAddress.Loopback, 40000).Serialize();
        var rng = new Random(7);
        for (var i = 0; i < 3000; i++)
        {
            var data = new byte[rng.Next(0, 200)];
            rng.NextBytes(data);
            if (data.Length > 0 && i % 3 == 0)
            {
                data[0] = (byte)rng.Next(0, 4); // mostly STUN-looking
            }
            server.Dispatch(data, from);
        }
        Assert.Equal(IceState.New, transport.State);
    }

    [Fact]
    public void Socket_address_round_trips()
    {
        var ep = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 5004);
        var ta = SocketAddressConversions.ToTransportAddress(ep.Serialize());
        Assert.Equal(Stun.TransportAddress.FromEndPoint(ep), ta);
        var back = SocketAddressConversions.ToSocketAddress(ta, AddressFamily.InterNetwork);
        Assert.Equal(ep.Serialize(), back);
    }
}
