using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace RtcStack.Turn.Tests.Interop;

/// <summary>Our TurnServer listening and relaying on [::1] only, with turnutils_peer on [::1] (RFC 6156 end to end).</summary>
public sealed class Ipv6InteropFixture : IAsyncLifetime
{
    private Process? _peer;

    internal TurnServer? Server { get; private set; }

    internal int Port { get; private set; }

    internal int PeerPort { get; private set; }

    /// <summary>False when this machine (or namespace) has no usable ::1.</summary>
    internal static bool HasIpv6Loopback
    {
        get
        {
            try
            {
                using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    public async Task InitializeAsync()
    {
        if (!CoturnClientFixture.ToolsInstalled || !HasIpv6Loopback)
        {
            return;
        }
        Server = new TurnServer(new TurnOptions
        {
            ListeningIps = ["::1"],
            ListeningPort = FreePort(SocketType.Stream),
            Realm = "interop.test",
            Users = { [CoturnClientFixture.User] = CoturnClientFixture.Password },
            AllowedPeerIps = ["::1"],
            MinPort = 44000,
            MaxPort = 44999,
            ChallengesPerSecondPerIp = 0,
        });
        await Server.StartAsync();
        Port = Server.UdpEndPoints[0].Port;
        PeerPort = FreePort(SocketType.Dgram);
        _peer = ExternalProcess.Start("turnutils_peer", $"-L ::1 -p {PeerPort}", out _);
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
    }

    private static int FreePort(SocketType type)
    {
        using var s = new Socket(AddressFamily.InterNetworkV6, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}

/// <summary>turnutils_uclient against our server over IPv6: UDP, TCP, indications, and RFC 6062 TCP allocations.</summary>
public sealed class Ipv6InteropTests(Ipv6InteropFixture fixture, ITestOutputHelper output) : IClassFixture<Ipv6InteropFixture>
{
    [Theory]
    [InlineData("-c", "IPv6 UDP, channels")]
    [InlineData("-c -t", "IPv6 TCP, channels")]
    [InlineData("-c -s", "IPv6 UDP, Send/Data indications")]
    [InlineData("-T -x", "IPv6 RFC 6062 TCP allocations")]
    public async Task Uclient_over_ipv6_no_loss(string flags, string what)
    {
        Assert.True(CoturnClientFixture.ToolsInstalled, "coturn's turnutils are not installed");
        if (fixture.Server is null)
        {
            output.WriteLine("no ::1 here: skipped");
            return;
        }
        (int exit, string text) = await ExternalProcess.RunAsync("turnutils_uclient",
            $"{flags} -n 30 -u {CoturnClientFixture.User} -w {CoturnClientFixture.Password} -p {fixture.Port} -e ::1 -r {fixture.PeerPort} ::1",
            TimeSpan.FromSeconds(60));
        output.WriteLine($"{what}: exit {exit}");
        output.WriteLine(text);
        UclientResult result = UclientResult.Parse(text);
        Assert.True(result.Found, $"{what}: uclient printed no summary (exit {exit})");
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.SendDropped);
        Assert.Equal(0, exit);
    }
}
