using RtcStack.Signaling.Backplane;

namespace RtcStack.Signaling.Tests.Infrastructure;

/// <summary>Two started hubs, "node-a" and "node-b", sharing one in-memory backplane (scale-out tests).</summary>
internal sealed class TwoNodeHarness : IAsyncDisposable
{
    private TwoNodeHarness(InMemoryBackplane bus)
    {
        NodeA = new HubHarness(backplane: bus);
        NodeB = new HubHarness(backplane: bus.CreateNode("node-b"));
    }

    public HubHarness NodeA { get; }

    public HubHarness NodeB { get; }

    public static async Task<TwoNodeHarness> StartAsync()
    {
        var nodes = new TwoNodeHarness(new InMemoryBackplane("node-a"));
        try
        {
            await nodes.NodeA.StartAsync();
            await nodes.NodeB.StartAsync();
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>Peer alice on node A and peer bob on node B, then both joined to <paramref name="room"/>, alice first.</summary>
    public async Task<(TestClient Alice, TestClient Bob)> AliceOnAAndBobOnBInRoomAsync(string room = "r")
    {
        TestClient alice = await NodeA.PeerAsync("alice");
        TestClient bob = await NodeB.PeerAsync("bob");
        await NodeA.JoinAsync(alice, room);
        await NodeB.JoinAsync(bob, room);
        return (alice, bob);
    }

    public async ValueTask DisposeAsync()
    {
        await NodeB.DisposeAsync();
        await NodeA.DisposeAsync();
    }
}
