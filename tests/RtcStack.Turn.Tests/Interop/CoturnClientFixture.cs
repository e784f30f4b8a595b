using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RtcStack.Turn.Tests.Interop;

/// <summary>
/// Our TurnServer in-process on 127.0.0.1 (free ports; UDP, TCP and TLS with a self-signed certificate),
/// plus coturn's turnutils_peer as the UDP echo peer. Loopback peers are allowed explicitly.
/// </summary>
public sealed class CoturnClientFixture : IAsyncLifetime
{
    internal const string User = "ninefingers";
    internal const string Password = "youhavetoberealistic";
    internal const string Secret = "north-wind-secret";

    private Process? _peer;
    private string? _certDir;

    internal TurnServer Server { get; private set; } = null!;

    internal int Port { get; private set; }

    internal int TlsPort { get; private set; }

    internal int PeerPort { get; private set; }

    internal static bool ToolsInstalled => File.Exists("/usr/bin/turnutils_uclient") && File.Exists("/usr/bin/turnutils_peer");

    public async Task InitializeAsync()
    {
        if (!ToolsInstalled)
        {
            return;
        }
        _certDir = Directory.CreateTempSubdirectory("rtcstack-turn-test").FullName;
        WriteSelfSignedCertificate(_certDir);
        Port = ExternalProcess.FreeTcpPort();
        TlsPort = ExternalProcess.FreeTcpPort();
        var options = new TurnOptions
        {
            ListeningIps = ["127.0.0.1"],
            ListeningPort = Port,
            TlsListeningPort = TlsPort,
            CertificateFile = Path.Combine(_certDir, "cert.pem"),
            PrivateKeyFile = Path.Combine(_certDir, "key.pem"),
            Realm = "interop.test",
            Users = { [User] = Password },
            StaticAuthSecret = Secret,
            AllowedPeerIps = ["127.0.0.1"],
            MinPort = 43000,
            MaxPort = 43999,
            ChallengesPerSecondPerIp = 0,
        };
        Server = new TurnServer(options);
        await Server.StartAsync();
        PeerPort = ExternalProcess.FreeUdpPort();
        _peer = ExternalProcess.Start("turnutils_peer", $"-L 127.0.0.1 -p {PeerPort}", out _);
        await Task.Delay(300);
    }

    public async Task DisposeAsync()
    {
        if (_peer is not null)
        {
            ExternalProcess.Stop(_peer);
            _peer.Dispose();
        }
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (_certDir is not null)
        {
            Directory.Delete(_certDir, recursive: true);
        }
    }

    internal static void WriteSelfSignedCertificate(string directory, string subject = "CN=localhost")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(Path.Combine(directory, "cert.pem"), cert.ExportCertificatePem(), Encoding.ASCII);
        File.WriteAllText(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem(), Encoding.ASCII);
    }
}
