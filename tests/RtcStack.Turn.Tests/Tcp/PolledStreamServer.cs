using Microsoft.Extensions.Logging;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests.Tcp;

/// <summary>
/// The TCP + TLS test server whose clients are read by a given <see cref="StreamPoller"/> (null: asynchronously): 127.0.0.1 only, no UDP, the
/// test user, 127.0.0.1 allowed as a peer, a self-signed certificate written into a new temporary directory.
/// </summary>
internal static class PolledStreamServer
{
    /// <summary>Writes the certificate into a new directory named after <paramref name="prefix"/> and starts the server; the caller deletes the directory.</summary>
    internal static async Task<(TurnServer Server, string Dir)> StartAsync(StreamPoller? poller, string prefix, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        string dir = Directory.CreateTempSubdirectory(prefix).FullName;
        Interop.CoturnClientFixture.WriteSelfSignedCertificate(dir);
        var server = new TurnServer(new TurnOptions
        {
            ListeningIps = ["127.0.0.1"],
            ListeningPort = 0,
            TlsListeningPort = 0,
            EnableUdp = false,
            CertificateFile = Path.Combine(dir, "cert.pem"),
            PrivateKeyFile = Path.Combine(dir, "key.pem"),
            Realm = TestHarness.Realm,
            Users = { [TestHarness.User] = TestHarness.Password },
            ChallengesPerSecondPerIp = 0,
            AllowedPeerIps = ["127.0.0.1"],
            StreamPoller = poller,
            UseStreamPoller = poller is not null,
        }, loggers, time);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            Directory.Delete(dir, recursive: true);
            throw;
        }
        return (server, dir);
    }
}
