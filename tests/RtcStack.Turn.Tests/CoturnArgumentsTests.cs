using RtcStack.Turn.Server;

namespace RtcStack.Turn.Tests;

public class CoturnArgumentsTests
{
    [Fact]
    public void Command_line_maps_coturn_names()
    {
        CoturnArguments a = CoturnArguments.Parse([
            "--listening-ip", "127.0.0.1", "--listening-ip=::1", "--listening-port", "3479", "--tls-listening-port", "5350",
            "--relay-ip", "127.0.0.1", "--external-ip", "198.51.100.7/127.0.0.1", "--realm", "example.org",
            "--user", "alice:pw1", "-u", "bob:pw:with:colons", "--lt-cred-mech", "--use-auth-secret", "--static-auth-secret", "s3cret",
            "--min-port", "50000", "--max-port", "50100", "--allowed-peer-ip", "10.0.0.5", "--denied-peer-ip", "8.8.8.0-8.8.8.255",
            "--user-quota", "5", "--total-quota", "50", "--max-bps", "64000", "--no-tcp", "--no-tls", "--fingerprint",
            "--stale-nonce", "--prometheus", "-v", "--no-udp-relay", "--max-tcp-connections", "8",
            "--stream-send-queue", "65536", "--max-stream-connections", "300"]);
        Assert.Empty(a.Errors);
        TurnOptions o = a.Options;
        Assert.Equal(["127.0.0.1", "::1"], o.ListeningIps);
        Assert.Equal(3479, o.ListeningPort);
        Assert.Equal(5350, o.TlsListeningPort);
        Assert.Equal(["127.0.0.1"], o.RelayIps);
        Assert.Equal(["198.51.100.7/127.0.0.1"], o.ExternalIps);
        Assert.Equal("example.org", o.Realm);
        Assert.Equal("pw1", o.Users["alice"]);
        Assert.Equal("pw:with:colons", o.Users["bob"]);
        Assert.Equal("s3cret", o.StaticAuthSecret);
        Assert.Equal((50000, 50100), (o.MinPort, o.MaxPort));
        Assert.Equal(["10.0.0.5"], o.AllowedPeerIps);
        Assert.Equal(300, o.MaxStreamConnections);
        Assert.Equal(["8.8.8.0-8.8.8.255"], o.DeniedPeerIps);
        Assert.Equal((5, 50, 64000L), (o.UserQuota, o.TotalQuota, o.MaxBytesPerSecond));
        Assert.False(o.EnableTcp);
        Assert.False(o.EnableTls);
        Assert.True(o.EnableUdp);
        Assert.False(o.EnableUdpRelay);
        Assert.Equal(65536, o.StreamSendQueueBytes);
        Assert.True(o.EnableTcpRelay);
        Assert.Equal(8, o.MaxTcpConnectionsPerAllocation);
        Assert.Equal(600, o.NonceLifetimeSeconds);
        Assert.True(a.Host.Prometheus);
        Assert.True(a.Host.Verbose);
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void Config_file_is_read_and_the_command_line_wins()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                # a turnserver.conf
                listening-port=3478
                realm = file.realm
                user=carol:pw
                lt-cred-mech
                fingerprint
                denied-peer-ip=203.0.113.0-203.0.113.255
                no-udp
                """);
            CoturnArguments a = CoturnArguments.Parse(["-c", path, "--listening-port", "4000", "--user", "dave:pw2"]);
            Assert.Empty(a.Errors);
            Assert.Equal(4000, a.Options.ListeningPort);
            Assert.Equal("file.realm", a.Options.Realm);
            Assert.Equal(2, a.Options.Users.Count);
            Assert.False(a.Options.EnableUdp);
            Assert.Equal(["203.0.113.0-203.0.113.255"], a.Options.DeniedPeerIps);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "--mobility" }, "mobility")]
    [InlineData(new[] { "--dh2066" }, "dh2066")]
    [InlineData(new[] { "--userdb", "/var/db/turndb" }, "userdb")]
    [InlineData(new[] { "--user", "alice:0xabcdef" }, "hex keys")]
    [InlineData(new[] { "--user", "nopassword" }, "name:password")]
    [InlineData(new[] { "--listening-port", "abc" }, "listening-port")]
    [InlineData(new[] { "--use-auth-secret" }, "static-auth-secret")]
    [InlineData(new[] { "--static-auth-secret", "x" }, "use-auth-secret")]
    [InlineData(new[] { "stray" }, "stray")]
    public void Unsupported_or_bad_options_are_refused_by_name(string[] args, string mentioned)
    {
        CoturnArguments a = CoturnArguments.Parse(args);
        Assert.Contains(a.Errors, e => e.Contains(mentioned, StringComparison.Ordinal));
    }

    [Fact]
    public void Unsupported_option_in_a_config_file_is_refused()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "user=a:b\nredis-userdb=\"ip=127.0.0.1\"\n");
            Assert.Contains(CoturnArguments.Parse(["-c", path]).Errors, e => e.Contains("redis-userdb", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
