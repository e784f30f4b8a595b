using System.Net.Sockets;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>The Linux splice(2) relay of RFC 6062 data connections: no managed allocation per relayed chunk.</summary>
public sealed class TcpSpliceTests
{
    [Fact]
    public async Task Spliced_relay_allocates_nothing_per_relayed_chunk()
    {
        if (TcpSplicer.Shared is not { } splicer)
        {
            return; // not Linux x64: data connections are relayed with async reads and writes instead
        }
        var options = new TurnOptions
        {
            ListeningIps = ["127.0.0.1"],
            ListeningPort = 0,
            EnableUdp = false,
            Realm = TestHarness.Realm,
            Users = { [TestHarness.User] = TestHarness.Password },
            AllowedPeerIps = ["127.0.0.1"],
            MinPort = 46000,
            MaxPort = 46999,
            ChallengesPerSecondPerIp = 0,
        };
        await using var server = new TurnServer(options);
        await server.StartAsync();
        await using var peer = new TcpEchoPeer();
        await using TcpTurnClient client = await TcpTurnClient.ConnectAsync(server.TcpEndPoints[0]);
        Assert.Equal(0, Answer.ErrorCode(await client.AllocateAsync()));
        byte[] connected = await client.ConnectPeerAsync(peer.EndPoint);
        Assert.Equal(0, Answer.ErrorCode(connected));
        (TcpClient data, byte[] bound) = await client.BindAsync(TcpTurnClient.ConnectionId(connected));
        using (data)
        {
            Assert.Equal(0, Answer.ErrorCode(bound));
            NetworkStream stream = data.GetStream();
            byte[] chunk = new byte[16 * 1024];
            Random.Shared.NextBytes(chunk);
            byte[] echoed = new byte[chunk.Length];
            for (int i = 0; i < 20; i++) // warm up: every path of the pump has run
            {
                await EchoAsync(stream, chunk, echoed);
            }
            await Task.Delay(1000); // the splice thread publishes its count at least every 250 ms
            long before = splicer.PumpAllocatedBytes;
            long relayedBefore = server.State!.Metrics.TcpBytesToPeer;

            for (int i = 0; i < 500; i++)
            {
                await EchoAsync(stream, chunk, echoed);
            }
            await Task.Delay(1000);

            Assert.Equal(chunk, echoed);
            Assert.True(server.State.Metrics.TcpBytesToPeer - relayedBefore >= 500L * chunk.Length);
            Assert.Equal(0, splicer.PumpAllocatedBytes - before);
        }
    }

    private static async Task EchoAsync(NetworkStream stream, byte[] chunk, byte[] echoed)
    {
        await stream.WriteAsync(chunk);
        await stream.ReadExactlyAsync(echoed).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
    }
}
