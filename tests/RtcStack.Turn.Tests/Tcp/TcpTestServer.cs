namespace RtcStack.Turn.Tests.Tcp;

/// <summary>The RFC 6062 test server every TCP allocation test starts: TCP only on 127.0.0.1, the test user, 127.0.0.1 allowed as a peer.</summary>
internal static class TcpTestServer
{
    /// <summary>
    /// Starts a server relaying from ports <paramref name="minPort"/> to <paramref name="minPort"/> + 999 (each test
    /// class its own range); <paramref name="configure"/> changes options before the start.
    /// </summary>
    internal static async Task<TurnServer> StartAsync(int minPort, Action<TurnOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new TurnOptions
        {
            ListeningIps = ["127.0.0.1"],
            ListeningPort = 0,
            EnableUdp = false,
            Realm = TestHarness.Realm,
            Users = { [TestHarness.User] = TestHarness.Password },
            AllowedPeerIps = ["127.0.0.1"],
            MinPort = minPort,
            MaxPort = minPort + 999,
            ChallengesPerSecondPerIp = 0,
        };
        configure?.Invoke(options);
        var server = new TurnServer(options, timeProvider: time);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }
}
