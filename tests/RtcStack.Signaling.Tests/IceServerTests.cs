using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

public sealed class IceServerTests
{
    [Fact]
    public async Task Welcome_carries_turn_rest_credentials_for_the_peer()
    {
        const string TurnSecret = "turn-shared-secret";
        await using var h = new HubHarness(o =>
        {
            o.StunUrls.Add("stun:127.0.0.1:3478");
            o.TurnUrls.Add("turn:127.0.0.1:3478?transport=udp");
            o.TurnSecret = TurnSecret;
            o.TurnCredentialTtlSeconds = 600;
        });
        await h.StartAsync();
        TestClient alice = await h.ConnectAsync();
        ServerMessage welcome = await alice.HelloAsync(h.Token("alice"));
        Assert.Equal(2, welcome.IceServers!.Count);
        Assert.Equal(["stun:127.0.0.1:3478"], welcome.IceServers[0].Urls);
        Assert.Null(welcome.IceServers[0].Username);
        IceServerInfo turn = welcome.IceServers[1];
        string[] parts = turn.Username!.Split(':');
        Assert.Equal("alice", parts[1]);
        Assert.Equal(h.Time.GetUtcNow().ToUnixTimeSeconds() + 600, long.Parse(parts[0], CultureInfo.InvariantCulture));
        string expected = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(TurnSecret), Encoding.UTF8.GetBytes(turn.Username)));
        Assert.Equal(expected, turn.Credential);
    }
}
