using RtcStack.Turn.Tests.Interop;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// A TLS-only TURN server on 127.0.0.1 with a fresh self-signed certificate for each test, read on the stream poller
/// or (when <see cref="UseStreamPoller"/> is overridden) on the asynchronous fallback.
/// </summary>
public abstract class TlsServerTests : IAsyncLifetime
{
    /// <summary>How long a test waits for anything (generous: CI shares two cores).</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private string _dir = "";

    /// <summary>The server under test (started before each test).</summary>
    protected TurnServer Server { get; private set; } = null!;

    /// <summary>Whether the server reads its clients on the stream poller (false: the asynchronous fallback).</summary>
    protected virtual bool UseStreamPoller => true;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("rtcstack-turn-tls").FullName;
        CoturnClientFixture.WriteSelfSignedCertificate(_dir);
        Server = new TurnServer(new TurnOptions
        {
            ListeningIps = ["127.0.0.1"],
            ListeningPort = 0,
            TlsListeningPort = 0,
            EnableUdp = false,
            EnableTcp = false,
            CertificateFile = Path.Combine(_dir, "cert.pem"),
            PrivateKeyFile = Path.Combine(_dir, "key.pem"),
            Realm = TestHarness.Realm,
            Users = { [TestHarness.User] = TestHarness.Password },
            ChallengesPerSecondPerIp = 0,
            UseStreamPoller = UseStreamPoller,
        });
        await Server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
