using System.Text.Json;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The relay fast path publishes messages that exist only in memory; it must stay off for a backplane whose
/// <see cref="IBackplane.DeliversByReference"/> is false (it serializes envelopes, as the Redis one does).
/// </summary>
public sealed class SerializingBackplaneTests
{
    [Fact]
    public void Only_the_in_memory_backplane_delivers_by_reference()
    {
        Assert.True(new InMemoryBackplane().DeliversByReference);
        Assert.False(new Backplane.Redis.RedisBackplane(new Backplane.Redis.RedisBackplaneOptions { ConnectionString = "127.0.0.1:1" }).DeliversByReference);
        Assert.False(SerializingBackplane().DeliversByReference);
    }

    [Fact]
    public async Task Relayed_messages_arrive_whole_through_a_backplane_that_serializes_envelopes()
    {
        await using var h = new HubHarness(backplane: SerializingBackplane());
        await h.StartAsync();
        TestClient alice = await h.PeerAsync("alice");
        TestClient bob = await h.PeerAsync("bob");
        await h.JoinAsync(alice, "r");
        await h.JoinAsync(bob, "r");

        await alice.RequestAsync(new ClientMessage { Type = "message", Room = "r", To = "bob", Data = JsonDocument.Parse("{\"n\":1}").RootElement.Clone() });
        Assert.Equal("ack", (await alice.RequestAsync(new ClientMessage { Type = "message", Room = "r", Data = JsonDocument.Parse("{\"n\":2}").RootElement.Clone() })).Type);

        ServerMessage direct = await bob.ReceiveAsync(m => m.Type == "message");
        Assert.Equal(("alice", 1), (direct.From, direct.Data!.Value.GetProperty("n").GetInt32()));
        ServerMessage broadcast = await bob.ReceiveAsync(m => m.Type == "message");
        Assert.Equal(("alice", 2), (broadcast.From, broadcast.Data!.Value.GetProperty("n").GetInt32()));
        Assert.True(await alice.NothingAsync(m => m.Type == "message", TimeSpan.FromMilliseconds(100)));
    }

    /// <summary>An in-memory bus that passes every envelope through JSON, as a networked backplane would.</summary>
    private static HookedBackplane SerializingBackplane() => new(new InMemoryBackplane("serializing")) { Published = RoundTrip };

    private static BackplaneEnvelope RoundTrip(BackplaneEnvelope envelope) =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(envelope, BackplaneJsonContext.Default.BackplaneEnvelope), BackplaneJsonContext.Default.BackplaneEnvelope)!;
}
