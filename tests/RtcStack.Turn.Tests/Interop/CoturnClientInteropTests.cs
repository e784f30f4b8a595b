using Xunit.Abstractions;

namespace RtcStack.Turn.Tests.Interop;

/// <summary>
/// coturn's own clients against our server: turnutils_uclient over UDP, TCP and TLS, with channels
/// (ChannelData) and without (-s: Send/Data indications), long-term and REST credentials; each run
/// must complete with no loss. turnutils_stunclient checks Binding.
/// </summary>
public sealed class CoturnClientInteropTests(CoturnClientFixture fixture, ITestOutputHelper output) : IClassFixture<CoturnClientFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("-c", "UDP, channels")]
    [InlineData("-c -s", "UDP, Send/Data indications")]
    [InlineData("-c -t", "TCP, channels")]
    [InlineData("-c -t -s", "TCP, Send/Data indications")]
    [InlineData("-c -m 4", "UDP, 4 clients, channels")]
    [InlineData("-c -l 1000", "UDP, 1000-byte messages")]
    [InlineData("", "UDP, RTP/RTCP pair (EVEN-PORT + RESERVATION-TOKEN)")]
    [InlineData("-c -y", "UDP, client to client through two allocations")]
    [InlineData("-T", "RFC 6062 TCP allocations, client to client (Connect, ConnectionAttempt, ConnectionBind)")]
    [InlineData("-T -m 4 -l 1000", "RFC 6062 TCP allocations, 4 client pairs, 1000-byte messages")]
    public async Task Uclient_long_term_credentials_no_loss(string flags, string what)
    {
        Assert.True(CoturnClientFixture.ToolsInstalled, "coturn's turnutils are not installed (apt-get install coturn)");
        await RunUclient($"{flags} -u {CoturnClientFixture.User} -w {CoturnClientFixture.Password} -p {fixture.Port}", what);
    }

    [Theory]
    [InlineData("-c", "UDP, channels, REST secret")]
    [InlineData("-c -t -s", "TCP, indications, REST secret")]
    [InlineData("-T", "RFC 6062 TCP allocations, REST secret")]
    public async Task Uclient_rest_secret_no_loss(string flags, string what)
    {
        Assert.True(CoturnClientFixture.ToolsInstalled, "coturn's turnutils are not installed");
        await RunUclient($"{flags} -u restuser -W {CoturnClientFixture.Secret} -p {fixture.Port}", what);
    }

    [Fact]
    public async Task Uclient_over_tls_no_loss()
    {
        Assert.True(CoturnClientFixture.ToolsInstalled, "coturn's turnutils are not installed");
        // Paced: uclient's TLS client is known to corrupt messages when it sends fast (bench/turn README).
        await RunUclient($"-c -t -S -z 50 -u {CoturnClientFixture.User} -w {CoturnClientFixture.Password} -p {fixture.TlsPort}", "TLS, channels");
    }

    [Fact]
    public async Task Uclient_tcp_allocations_over_tls_no_loss()
    {
        Assert.True(CoturnClientFixture.ToolsInstalled, "coturn's turnutils are not installed");
        await RunUclient($"-T -S -z 50 -u {CoturnClientFixture.User} -w {CoturnClientFixture.Password} -p {fixture.TlsPort}", "RFC 6062 over TLS");
    }

    [Fact]
    public async Task Wrong_password_is_refused()
    {
        Assert.True(CoturnClientFixture.ToolsInstalled, "coturn's turnutils are not installed");
        int before = fixture.Server.ActiveAllocations;
        (_, string text) = await ExternalProcess.RunAsync("turnutils_uclient",
            $"-c -n 3 -u {CoturnClientFixture.User} -w wrong -p {fixture.Port} -e 127.0.0.1 -r {fixture.PeerPort} 127.0.0.1", Timeout);
        output.WriteLine(text);
        Assert.DoesNotContain("Total lost packets 0 ", text, StringComparison.Ordinal);
        Assert.True(fixture.Server.ActiveAllocations <= before);
    }

    [Fact]
    public async Task Stunclient_gets_the_reflexive_address()
    {
        Assert.True(File.Exists("/usr/bin/turnutils_stunclient"), "turnutils_stunclient is not installed");
        (_, string text) = await ExternalProcess.RunAsync("turnutils_stunclient", $"-p {fixture.Port} 127.0.0.1", Timeout);
        output.WriteLine(text);
        Assert.Contains("UDP reflexive addr: 127.0.0.1:", text, StringComparison.Ordinal);
    }

    private async Task RunUclient(string arguments, string what)
    {
        (int exit, string text) = await ExternalProcess.RunAsync("turnutils_uclient",
            $"{arguments} -n 30 -e 127.0.0.1 -r {fixture.PeerPort} 127.0.0.1", Timeout);
        output.WriteLine($"{what}: exit {exit}");
        output.WriteLine(text);
        UclientResult result = UclientResult.Parse(text);
        Assert.True(result.Found, $"{what}: uclient printed no summary (exit {exit})");
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.SendDropped);
        Assert.Equal(0, exit);
    }
}
