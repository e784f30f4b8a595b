using System.Net;

namespace RtcStack.Ice.Tests;

public sealed class IceAllocationTests
{
    /// <summary>The media hot path (classify, find the transport by address, deliver) allocates nothing.</summary>
    [Fact]
    public async Task Routing_media_from_a_validated_address_allocates_nothing()
    {
        await using var server = IceLiteServer.Start(new IPEndPoint(IPAddress.Loopback, 0));
        using var transport = server.CreateTransport();
        var delivered = 0;
        transport.PacketReceived = (kind, data) => delivered += data.Length > 0 && kind == MediaPacketKind.Rtp ? 1 : 0;
        var from = new IPEndPoint(IPAddress.Loopback, 40000).Serialize();
        var check = IceTestClient.BindingRequest(transport.LocalCredentials.Ufrag + ":b", transport.LocalCredentials.Pwd, useCandidate: true);
        server.Dispatch(check, from);
        Assert.Equal(IceState.Completed, transport.State);

        var rtp = new byte[1200];
        rtp[0] = 0x80;
        rtp[1] = 96;
        for (var i = 0; i < 100; i++)
        {
            server.Dispatch(rtp, from); // warm up
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            server.Dispatch(rtp, from);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10_100, delivered);
        Assert.Equal(0, allocated);
    }
}
