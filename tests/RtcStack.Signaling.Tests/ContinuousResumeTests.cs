using System.Globalization;
using System.Text.Json;
using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// Resume with the in-memory backplane while a sender never pauses: on one node (reconnecting to the same hub)
/// and across two hubs sharing one in-memory bus. Every message arrives exactly once, in order, with no gap in seq.
/// </summary>
public sealed class ContinuousResumeTests
{
    [Fact]
    public async Task A_continuous_sender_reaches_a_peer_that_keeps_reconnecting_to_the_same_node()
    {
        await using var h = new HubHarness(Unlimited);
        await h.StartAsync();
        await RunAsync([h, h, h, h, h, h, h, h, h]);
    }

    [Fact]
    public async Task A_continuous_sender_reaches_a_peer_that_moves_between_two_in_memory_nodes()
    {
        var bus = new InMemoryBackplane("node-a");
        await using var a = new HubHarness(Unlimited, bus);
        await using var b = new HubHarness(Unlimited, bus.CreateNode("node-b"));
        await a.StartAsync();
        await b.StartAsync();
        await RunAsync([a, b, a, b, a, b, a, b, a]);
    }

    private static void Unlimited(SignalingOptions o)
    {
        o.MessagesPerSecond = 1_000_000;
        o.Burst = 1_000_000;
    }

    /// <summary>Alice connects to <paramref name="hops"/>[0], then resumes on each next one while bob keeps sending to her.</summary>
    private static async Task RunAsync(HubHarness[] hops)
    {
        TestClient alice = await hops[0].PeerAsync("alice");
        TestClient bob = await hops[0].PeerAsync("bob");
        await hops[0].JoinAsync(alice, "r");
        await hops[0].JoinAsync(bob, "r");
        var received = new List<ServerMessage>();
        using var stop = new CancellationTokenSource();
        int sent = 0;
        Task sender = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var data = JsonDocument.Parse(sent.ToString(CultureInfo.InvariantCulture)).RootElement.Clone();
                ServerMessage answer = await bob.RequestAsync(new ClientMessage { Type = "message", Room = "r", To = "alice", Data = data });
                Assert.True(answer.Type == "ack", $"message {sent}: {answer.Type} {answer.Code}");
                Interlocked.Increment(ref sent);
            }
        });

        foreach (HubHarness next in hops[1..])
        {
            int floor = Volatile.Read(ref sent) + 20;
            while (Volatile.Read(ref sent) < floor && !sender.IsCompleted)
            {
                await Task.Delay(10);
            }

            // The client processed what it read before the socket died; it resumes from there.
            alice.Socket.Abort();
            received.AddRange(await DrainAsync(alice));
            string resume = alice.Welcome!.ResumeToken!;
            long lastSeq = alice.LastSeq;
            alice = await next.ConnectAsync();
            ServerMessage welcome = await alice.HelloAsync(next.Token("alice"), resume, lastSeq);
            Assert.True(welcome.Resumed);
        }

        int moreFloor = Volatile.Read(ref sent) + 20;
        while (Volatile.Read(ref sent) < moreFloor && !sender.IsCompleted)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await sender;
        while (received.Count(m => m.Type == "message") < sent)
        {
            ServerMessage m = await alice.ReceiveAsync(x => x.Seq is not null);
            received.Add(m);
        }

        Assert.True(await alice.NothingAsync(m => m.Type == "message", TimeSpan.FromMilliseconds(300)));
        Assert.Equal(Enumerable.Range(0, sent), received.Where(m => m.Type == "message").Select(m => m.Data!.Value.GetInt32()));
        Assert.Equal(Enumerable.Range(1, received.Count).Select(i => (long)i), received.Select(m => m.Seq!.Value));
    }

    /// <summary>Everything with a seq the closed client had read.</summary>
    private static async Task<List<ServerMessage>> DrainAsync(TestClient client)
    {
        var messages = new List<ServerMessage>();
        while (true)
        {
            try
            {
                ServerMessage m = await client.ReceiveAsync(x => x.Seq is not null);
                messages.Add(m);
            }
            catch (InvalidOperationException)
            {
                return messages;
            }
        }
    }
}
