using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Tests.Interop;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// Issue 3: a TCP or TLS client that stops reading must not stall relaying for the others (its writes never block the
/// relay thread), its send queue stays bounded (relayed frames dropped whole and counted), and it is not disconnected.
/// Real sockets on 127.0.0.1; only generous timeouts, no timing thresholds.
/// </summary>
public sealed class SlowClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Client_that_stops_reading_does_not_delay_another_clients_relayed_data(bool tls)
    {
        string dir = Directory.CreateTempSubdirectory("rtcstack-turn-slow").FullName;
        try
        {
            CoturnClientFixture.WriteSelfSignedCertificate(dir);
            await using var server = new TurnServer(new TurnOptions
            {
                ListeningIps = ["127.0.0.1"],
                ListeningPort = 0,
                TlsListeningPort = 0,
                EnableUdp = false,
                EnableTcp = !tls,
                CertificateFile = tls ? Path.Combine(dir, "cert.pem") : null,
                PrivateKeyFile = tls ? Path.Combine(dir, "key.pem") : null,
                Realm = TestHarness.Realm,
                Users = { [TestHarness.User] = TestHarness.Password },
                AllowedPeerIps = ["127.0.0.1"],
                MinPort = 47000,
                MaxPort = 47999,
                ChallengesPerSecondPerIp = 0,
                StreamSendQueueBytes = 16 * 1024,
            });
            await server.StartAsync();
            IPEndPoint endPoint = tls ? server.TlsEndPoints[0] : server.TcpEndPoints[0];
            using var peer = new UdpEchoPeer();
            using var otherPeer = new UdpEchoPeer(); // the flood fills the first peer's socket buffer: UDP may drop there

            await using StreamTurnClient stalled = await StreamTurnClient.ConnectAsync(endPoint, tls, stall: true);
            await stalled.AllocateAndBindAsync(peer.EndPoint);
            await using StreamTurnClient reader = await StreamTurnClient.ConnectAsync(endPoint, tls);
            await reader.AllocateAndBindAsync(otherPeer.EndPoint);

            // The stalled client floods its peer and never reads the echoes, until its queue overflows.
            using var stop = new CancellationTokenSource();
            byte[] flood = StreamTurnClient.ChannelData(new byte[1000]);
            Task flooding = Task.Run(async () =>
            {
                for (int n = 1; !stop.IsCancellationRequested; n++)
                {
                    await stalled.SendAsync(flood);
                    if (n % 64 == 0)
                    {
                        await Task.Delay(1); // keep it flowing without taking every core
                    }
                }
            });
            await WaitUntilAsync(() => server.State!.Metrics.ClientBacklogDropped > 0);

            // Meanwhile the other client's echoes keep coming, one by one, in order.
            for (int i = 0; i < 50; i++)
            {
                byte[] payload = [(byte)i, 1, 2, 3, 4, 5, 6, 7, 8];
                await reader.SendAsync(StreamTurnClient.ChannelData(payload));
                (bool channelData, byte[] echoed) = await reader.ReadFrameAsync();
                Assert.True(channelData);
                Assert.Equal(payload, echoed);
            }
            Assert.True(server.State!.Metrics.ClientBacklogDropped > 0);
            Assert.Equal(2, server.ActiveAllocations); // the stalled client is slow, not disconnected

            await stop.CancelAsync();
            await stalled.Stream.DisposeAsync(); // ends a flood write that waits for the server, if any
            try
            {
                await flooding.WaitAsync(Patience);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // the write in progress was cut off
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    /// <summary>A UDP peer on 127.0.0.1 that echoes every datagram to its sender.</summary>
    private sealed class UdpEchoPeer : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Task _loop;

        internal UdpEchoPeer()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            _loop = Task.Run(EchoAsync);
        }

        internal IPEndPoint EndPoint { get; }

        private async Task EchoAsync()
        {
            byte[] buffer = new byte[2048];
            EndPoint any = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (true)
                {
                    SocketReceiveFromResult got = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any);
                    await _socket.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), SocketFlags.None, got.RemoteEndPoint);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // disposed
            }
        }

        public void Dispose()
        {
            _socket.Dispose();
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
    }
}
