using RtcStack.Client;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Protocol;

/// <summary>Resume: in order, exactly once; after the window the room is told; overflow gives resume-failed.</summary>
public sealed class ResumeTests
{
    [Fact]
    public async Task A_dropped_client_resumes_and_gets_every_message_in_order_exactly_once()
    {
        await using var node = await TestNode.StartAsync("MessagesPerSecond=10000", "Burst=10000");
        await using var balancer = new LoadBalancer(node.BaseAddress);
        var (alice, _) = await node.ConnectAsync("alice");
        var (bob, bobEvents) = await node.ConnectViaAsync(balancer, "bob");
        await alice.JoinAsync("r");
        await bob.JoinAsync("r");
        for (int i = 0; i < 10; i++)
        {
            await alice.SendMessageAsync("r", Json.Parse(I(i)), to: "bob");
        }

        await bobEvents.WaitCountAsync(MessageTypes.Message, 10);
        string session = bob.Welcome!.Session!;
        balancer.Paused = true;
        bob.SimulateConnectionLoss();
        await Eventually.TrueAsync(() => bob.State == ConnectionState.Reconnecting, "bob reconnecting");
        for (int i = 10; i < 60; i++)
        {
            await alice.SendMessageAsync("r", Json.Parse(I(i)), to: "bob");
        }

        balancer.Paused = false;

        var messages = await bobEvents.WaitCountAsync(MessageTypes.Message, 60);
        await Eventually.TrueAsync(() => bobEvents.Welcomes.Length == 2, "a second welcome");
        var resumed = bobEvents.Welcomes[1];
        Assert.True(resumed.Resumed);
        Assert.Equal(session, resumed.Session);
        Assert.Contains("r", resumed.Rooms!);
        for (int i = 60; i < 70; i++)
        {
            await alice.SendMessageAsync("r", Json.Parse(I(i)), to: "bob");
        }

        messages = await bobEvents.WaitCountAsync(MessageTypes.Message, 70);
        await bob.PingAsync();
        Assert.Equal(Enumerable.Range(0, 70), bobEvents.OfType(MessageTypes.Message).Select(m => m.Data!.Value.GetInt32()));
        var seqs = bobEvents.Messages.Select(m => m.Seq!.Value).ToArray();
        Assert.Equal(Enumerable.Range(1, seqs.Length).Select(i => (long)i), seqs);
        Assert.Contains(ConnectionState.Reconnecting, bobEvents.States);
    }

    [Fact]
    public async Task Resume_with_an_older_last_seq_replays_the_rest_and_the_client_drops_duplicates()
    {
        await using var node = await TestNode.StartAsync();
        var (alice, _) = await node.ConnectAsync("alice");
        var (_, bobEvents) = await node.ConnectAsync("bob");
        await alice.JoinAsync("r");
        await using var raw = await RawSocket.ConnectAsync(node.WebSocketUri);
        var welcome = await raw.HelloAsync(node.Mint("carol"));
        await raw.SendTextAsync("""{"type":"join","id":"j","room":"r"}""");
        await raw.ReceiveTypeAsync(MessageTypes.Joined);
        for (int i = 0; i < 5; i++)
        {
            await alice.SendMessageAsync("r", Json.Parse(I(i)), to: "carol");
        }

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(MessageTypes.Message, (await raw.ReceiveTypeAsync(MessageTypes.Message))!.Type);
        }

        await raw.DisposeAsync();
        await using var again = await RawSocket.ConnectAsync(node.WebSocketUri);
        await again.SendTextAsync($$"""{"type":"hello","v":1,"token":"{{node.Mint("carol")}}","resume":"{{welcome!.ResumeToken}}","lastSeq":3}""");
        var resumed = await again.ReceiveTypeAsync(MessageTypes.Welcome);
        Assert.True(resumed!.Resumed);
        var replayed = new List<ServerMessage>();
        while (replayed.Count < 2)
        {
            replayed.Add((await again.ReceiveTypeAsync(MessageTypes.Message))!);
        }

        Assert.Equal([3, 4], replayed.Select(m => m.Data!.Value.GetInt32()));
        Assert.Equal([4L, 5L], replayed.Select(m => m.Seq!.Value));
        _ = bobEvents;
    }

    [Fact]
    public async Task After_the_resume_window_the_room_gets_member_left_timeout()
    {
        await using var node = await TestNode.StartAsync("ResumeWindowMs=1000");
        var (alice, aliceEvents) = await node.ConnectAsync("alice");
        await alice.JoinAsync("r");
        var bob = node.Client("bob", o => o.AutoReconnect = false);
        await bob.ConnectAsync();
        await bob.JoinAsync("r");
        await bob.DisposeAsync();
        var left = await aliceEvents.WaitAsync(MessageTypes.MemberLeft, m => m.Peer == "bob");
        Assert.Equal("timeout", left.Reason);
    }

    [Fact]
    public async Task An_unknown_resume_token_gets_resume_failed_and_a_new_session()
    {
        await using var node = await TestNode.StartAsync();
        await using var raw = await RawSocket.ConnectAsync(node.WebSocketUri);
        await raw.SendTextAsync($$"""{"type":"hello","v":1,"token":"{{node.Mint("erin")}}","resume":"bogus-resume-token","lastSeq":9}""");
        var first = await raw.ReceiveAsync();
        Assert.Equal((MessageTypes.Error, ErrorCodes.ResumeFailed), (first!.Type, first.Code));
        var welcome = await raw.ReceiveTypeAsync(MessageTypes.Welcome);
        Assert.False(welcome!.Resumed);
        await raw.SendTextAsync("""{"type":"ping","id":"p"}""");
        Assert.Equal("p", (await raw.ReceiveTypeAsync(MessageTypes.Pong))!.Re);
    }

    [Fact]
    public async Task Overflowing_the_resume_buffer_gives_resume_failed_and_the_client_starts_over()
    {
        await using var node = await TestNode.StartAsync("ResumeBufferMessages=5", "MessagesPerSecond=10000", "Burst=10000");
        await using var balancer = new LoadBalancer(node.BaseAddress);
        var (alice, _) = await node.ConnectAsync("alice");
        var (bob, bobEvents) = await node.ConnectViaAsync(balancer, "bob");
        await alice.JoinAsync("r");
        await bob.JoinAsync("r");
        balancer.Paused = true;
        bob.SimulateConnectionLoss();
        await Eventually.TrueAsync(() => bob.State == ConnectionState.Reconnecting, "bob reconnecting");
        for (int i = 0; i < 20; i++)
        {
            await alice.SendMessageAsync("r", Json.Parse(I(i)), to: "bob");
        }

        balancer.Paused = false;

        await Eventually.TrueAsync(() => bobEvents.Welcomes.Length == 2, "a second welcome");
        Assert.False(bobEvents.Welcomes[1].Resumed);
        Assert.NotEqual(bobEvents.Welcomes[0].Session, bobEvents.Welcomes[1].Session);
        Assert.Equal(ConnectionState.Connected, bob.State);
        await bob.JoinAsync("r");
    }

    private static string I(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
