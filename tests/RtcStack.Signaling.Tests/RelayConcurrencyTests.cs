using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// Many sockets relaying to one recipient at once over real sockets: the relay fast path and the recipient's
/// send pump (which sends on whichever thread delivers) must keep every frame, number them without gaps in the
/// order they are sent, and keep each sender's order.
/// </summary>
public sealed class RelayConcurrencyTests
{
    [Fact]
    public async Task Concurrent_senders_reach_one_recipient_in_order_without_gaps()
    {
        const int Senders = 4, PerSender = 150;
        await using var h = new HubHarness(o =>
        {
            o.SendQueueMessages = Senders * PerSender + 100;
            o.MessagesPerSecond = 100_000; // the senders burst; the rate limit is not under test here
            o.Burst = 100_000;
        });
        await h.StartAsync();
        TestClient target = await h.PeerAsync("target");
        await h.JoinAsync(target, "busy");
        var senders = new List<TestClient>();
        for (int s = 0; s < Senders; s++)
        {
            TestClient sender = await h.PeerAsync($"sender{s}");
            await h.JoinAsync(sender, "busy");
            senders.Add(sender);
        }
        _ = await target.ReceiveAsync(m => m.Type == MessageTypes.MemberJoined && m.Peer == $"sender{Senders - 1}");

        await Task.WhenAll(senders.Select((sender, s) => Task.Run(async () =>
        {
            for (int i = 0; i < PerSender; i++)
            {
                // Payload shapes the fast path copies raw: nested data, escapes, non-ASCII.
                await sender.SendRawAsync($$$"""{"type":"message","room":"busy","to":"target","data":{"s":{{{s}}},"i":{{{i}}},"t":"caf\u00e9 \"q\" ü"}}""");
            }
        })));

        var lastBySender = new int[Senders];
        Array.Fill(lastBySender, -1);
        long previousSeq = 0;
        for (int n = 0; n < Senders * PerSender; n++)
        {
            ServerMessage m = await target.ReceiveAsync(x => x.Type == MessageTypes.Message);
            Assert.True(m.Seq > previousSeq, $"seq {m.Seq} after {previousSeq}");
            previousSeq = m.Seq!.Value;
            int s = m.Data!.Value.GetProperty("s").GetInt32();
            int i = m.Data.Value.GetProperty("i").GetInt32();
            Assert.Equal($"sender{s}", m.From);
            Assert.Equal("busy", m.Room);
            Assert.Equal("café \"q\" ü", m.Data.Value.GetProperty("t").GetString());
            Assert.Equal(lastBySender[s] + 1, i);
            lastBySender[s] = i;
        }
        Assert.All(lastBySender, last => Assert.Equal(PerSender - 1, last));
        Assert.Equal(target.LastSeq, previousSeq);
    }

    [Fact]
    public async Task A_frame_the_fast_path_refuses_gets_the_parser_error_and_the_socket_keeps_working()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        (TestClient alice, TestClient bob) = await h.AliceAndBobInRoomAsync();

        await alice.SendRawAsync("""{"type":"message","id":"q1","room":"r","to":"bob","data":1,"data":2}""");
        Assert.Equal("ack", (await alice.ReceiveAsync(m => m.Re == "q1")).Type); // duplicate field: the parser path relays it
        Assert.Equal(2, (await bob.ReceiveAsync(m => m.Type == MessageTypes.Message)).Data!.Value.GetInt32());

        await alice.SendRawAsync("""{"type":"offer","id":"q2","room":"r","to":"bob"}""");
        Assert.Equal(ErrorCodes.BadRequest, (await alice.ReceiveAsync(m => m.Re == "q2")).Code);
        await alice.SendRawAsync("""{"type":"message","id":"q3","room":"nope","to":"bob","data":1}""");
        Assert.Equal(ErrorCodes.NotInRoom, (await alice.ReceiveAsync(m => m.Re == "q3")).Code);
        await alice.SendRawAsync("""{"type":"message","id":"q4","room":"r","to":"carol","data":1}""");
        Assert.Equal(ErrorCodes.UnknownTarget, (await alice.ReceiveAsync(m => m.Re == "q4")).Code);
        await alice.SendRawAsync("""{"type":"message","id":"q5","room":"r","to":"alice","data":1}""");
        Assert.Equal(ErrorCodes.UnknownTarget, (await alice.ReceiveAsync(m => m.Re == "q5")).Code);

        await alice.SendRawAsync("""{"type":"message","room":"r","to":"bob","data":{"last":true}}""");
        Assert.True((await bob.ReceiveAsync(m => m.Type == MessageTypes.Message)).Data!.Value.GetProperty("last").GetBoolean());
    }
}
