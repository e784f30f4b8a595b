namespace RtcStack.Turn.Tests;

public class TurnOptionsTests
{
    private static TurnOptions Valid() => new() { Users = { ["a"] = "b" } };

    [Fact]
    public void Defaults_with_a_user_are_valid_and_safe()
    {
        TurnOptions o = Valid();
        Assert.Empty(o.Validate());
        Assert.Empty(o.ListeningIps); // means 127.0.0.1
        Assert.Equal(3478, o.ListeningPort);
        Assert.Equal("rtcstack", o.Realm);
        Assert.Empty(o.AllowedPeerIps);
        Assert.True(o.UserQuota > 0);
        Assert.True(o.TotalQuota > 0);
    }

    [Theory]
    [InlineData("no credentials")]
    public void No_credentials_is_refused(string expected) =>
        Assert.Contains(new TurnOptions().Validate(), e => e.Contains(expected, StringComparison.Ordinal));

    [Theory]
    [InlineData("listening", "not-an-ip")]
    [InlineData("relay-wildcard", "0.0.0.0")]
    [InlineData("ports", "")]
    [InlineData("peer", "10.0.0.0/40")]
    [InlineData("tls", "")]
    [InlineData("lifetime", "")]
    [InlineData("external", "1.2.3.4/::1")]
    [InlineData("stream-send-queue", "1024")]
    [InlineData("max-stream-connections", "-1")]
    public void Bad_settings_are_refused(string what, string value)
    {
        TurnOptions o = Valid();
        switch (what)
        {
            case "listening":
                o.ListeningIps.Add(value);
                break;
            case "relay-wildcard":
                o.ListeningIps.Add(value);
                break;
            case "ports":
                (o.MinPort, o.MaxPort) = (60000, 50000);
                break;
            case "peer":
                o.DeniedPeerIps.Add(value);
                break;
            case "tls":
                o.CertificateFile = "/nonexistent/cert.pem";
                break;
            case "lifetime":
                (o.DefaultLifetimeSeconds, o.MaxLifetimeSeconds) = (7200, 3600);
                break;
            case "external":
                o.ExternalIps.Add(value);
                break;
            case "stream-send-queue":
                o.StreamSendQueueBytes = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case "max-stream-connections":
                o.MaxStreamConnections = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
        }
        Assert.NotEmpty(o.Validate());
    }

    [Fact]
    public async Task Start_refuses_invalid_options_with_every_problem_listed()
    {
        var o = new TurnOptions { MinPort = 9, MaxPort = 1 };
        await using var server = new TurnServer(o);
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
        Assert.Contains("no credentials", ex.Message, StringComparison.Ordinal);
        Assert.Contains("min-port", ex.Message, StringComparison.Ordinal);
    }
}
