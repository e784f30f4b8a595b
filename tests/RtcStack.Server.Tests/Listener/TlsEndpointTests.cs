using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RtcStack.Server.Tests.Engine;
using RtcStack.Server.Tests.Infrastructure;

namespace RtcStack.Server.Tests.Listener;

/// <summary>
/// An https endpoint (self-signed certificate, free port): a plain-text <c>GET /ws</c> sent to it is never upgraded
/// (neither by the Kestrel-side listener nor by the epoll engine, which both run outside TLS), while the same handshake
/// inside TLS still gets its 101.
/// </summary>
public class TlsEndpointTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rtcstack-tls-" + Guid.NewGuid().ToString("N"));
    private TestNode _node = null!;

    /// <summary>The engine (the epoll run of these tests overrides it).</summary>
    protected virtual string Engine => EngineSettings.Kestrel;

    private string[] Settings => [Engine];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        string certPath = Path.Combine(_directory, "cert.pem");
        string keyPath = Path.Combine(_directory, "key.pem");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        _node = await TestNode.StartAsync(
            Engine,
            "--urls=https://127.0.0.1:0",
            "--Kestrel:Certificates:Default:Path=" + certPath,
            "--Kestrel:Certificates:Default:KeyPath=" + keyPath);
    }

    public async Task DisposeAsync()
    {
        try
        {
            EngineSettings.AssertServed(_node.Services, Settings);
        }
        finally
        {
            // The node and the certificate directory go even when the assertion (or the node's dispose) fails.
            try
            {
                await _node.DisposeAsync();
            }
            finally
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_plain_text_upgrade_on_the_https_port_is_refused_never_upgraded()
    {
        Assert.Equal("https", _node.BaseAddress.Scheme);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _node.BaseAddress.Port), cts.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(RawHttp.Upgrade()), SocketFlags.None, cts.Token);
        string answer = await ReadToEndAsync(socket, cts.Token); // the server must close (or answer 400 and close)
        Assert.DoesNotContain("101", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Sec-WebSocket-Accept", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_upgrade_inside_TLS_is_answered_101()
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _node.BaseAddress.Port), cts.Token);
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" }, cts.Token);
        await tls.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.Upgrade()), cts.Token);
        var head = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await tls.ReadAsync(buffer, cts.Token);
            Assert.True(n > 0, "closed before the answer: " + head);
            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        Assert.StartsWith("HTTP/1.1 101 ", head.ToString(), StringComparison.Ordinal);
        Assert.Contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", head.ToString(), StringComparison.Ordinal);
    }

    private static async Task<string> ReadToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        byte[] buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException)
        {
            // a reset is a close too
        }
        return Encoding.ASCII.GetString([.. received]);
    }
}
