using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RtcStack.Stun;
using RtcStack.Turn.Tests.Interop;

namespace RtcStack.Turn.Tests;

public class TransportTests
{
    [Fact]
    public async Task Tls_certificate_is_reloaded_when_the_files_change()
    {
        string dir = Directory.CreateTempSubdirectory("rtcstack-turn-reload").FullName;
        try
        {
            CoturnClientFixture.WriteSelfSignedCertificate(dir, "CN=first");
            await using var server = new TurnServer(new TurnOptions
            {
                ListeningPort = 0,
                TlsListeningPort = 0,
                EnableUdp = false,
                EnableTcp = false,
                CertificateFile = Path.Combine(dir, "cert.pem"),
                PrivateKeyFile = Path.Combine(dir, "key.pem"),
                Users = { ["a"] = "b" },
            });
            await server.StartAsync();
            IPEndPoint tls = server.TlsEndPoints[0];
            Assert.Equal("CN=first", await PresentedSubject(tls));
            CoturnClientFixture.WriteSelfSignedCertificate(dir, "CN=second");
            File.SetLastWriteTimeUtc(Path.Combine(dir, "cert.pem"), DateTime.UtcNow.AddSeconds(5));
            string subject = "CN=first";
            for (int i = 0; i < 50 && subject == "CN=first"; i++)
            {
                await Task.Delay(200);
                subject = await PresentedSubject(tls);
            }
            Assert.Equal("CN=second", subject);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<string> PresentedSubject(IPEndPoint endPoint)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        return ssl.RemoteCertificate!.Subject;
    }

    [Fact]
    public async Task Tcp_allocation_is_deleted_when_its_connection_closes()
    {
        await using var server = new TurnServer(new TurnOptions
        {
            ListeningPort = 0,
            EnableUdp = false,
            Realm = TestHarness.Realm,
            Users = { [TestHarness.User] = TestHarness.Password },
            MinPort = 45000,
            MaxPort = 45999,
        });
        await server.StartAsync();
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(server.TcpEndPoints[0]);
            NetworkStream stream = tcp.GetStream();
            var client = new TestClient();
            byte[] challenge = await Exchange(stream, client.Build(StunMethod.Allocate, TestClient.RequestUdp, sign: false));
            StunMessageReader.TryParse(challenge, out StunMessageReader r);
            Assert.True(r.TryGetNonce(out ReadOnlySpan<byte> nonce));
            client.Nonce = nonce.ToArray();
            Assert.Equal(0, Answer.ErrorCode(await Exchange(stream, client.Build(StunMethod.Allocate, TestClient.RequestUdp))));
            Assert.Equal(1, server.ActiveAllocations);
        }
        for (int i = 0; i < 400 && server.ActiveAllocations > 0; i++)
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, server.ActiveAllocations);
    }

    private static async Task<byte[]> Exchange(NetworkStream stream, byte[] request)
    {
        await stream.WriteAsync(request);
        byte[] header = new byte[20];
        await stream.ReadExactlyAsync(header);
        byte[] message = new byte[20 + ((header[2] << 8) | header[3])];
        header.CopyTo(message, 0);
        await stream.ReadExactlyAsync(message.AsMemory(20));
        return message;
    }

    [Fact]
    public async Task Ipv6_relay_when_requested_and_configured()
    {
        if (!Socket.OSSupportsIPv6 || !CanBind(IPAddress.IPv6Loopback))
        {
            return; // no ::1 in this environment (the rest of the suite covers IPv4)
        }
        await using var h = new TestHarness(o =>
        {
            o.RelayIps = ["127.0.0.1", "::1"];
            o.AllowedPeerIps = ["127.0.0.1", "::1"];
        });
        var c = new TestClient();
        c.Challenge(h, h.Tuple());
        byte[] response = h.Send(c.Build(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(17);
            w.AddRequestedAddressFamily(StunAddressFamily.IPv6);
        }))!;
        Assert.Equal(0, Answer.ErrorCode(response));
        StunMessageReader.TryParse(response, out StunMessageReader reader);
        Assert.True(reader.TryGetXorRelayedAddress(out TransportAddress relayed));
        Assert.True(relayed.IsIPv6);
        byte[] v6Peer = c.Build(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorPeerAddress(TransportAddress.FromEndPoint(IPEndPoint.Parse("[::1]:9"))));
        Assert.Equal(0, Answer.ErrorCode(h.Send(v6Peer)));
        byte[] v4Peer = c.Build(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorPeerAddress(TransportAddress.FromEndPoint(IPEndPoint.Parse("127.0.0.1:9"))));
        Assert.Equal(443, Answer.ErrorCode(h.Send(v4Peer)));
    }

    private static bool CanBind(IPAddress address)
    {
        try
        {
            using var s = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(address, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
