using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// Random and mutated frames from several hostile sockets at a live server, while two well-behaved clients
/// relay numbered messages: they must get every message, in order, and no error.
/// </summary>
public sealed class FuzzTests
{
    private static readonly string[] Seeds =
    [
        """{"type":"hello","v":1,"token":"TOKEN","id":"1"}""",
        """{"type":"join","room":"calm","meta":{"name":"x","n":[1,2,{"a":null}]},"id":"2"}""",
        """{"type":"join","room":"fuzz","id":"2b"}""",
        """{"type":"offer","room":"calm","to":"alice","sdp":"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n","id":"3"}""",
        """{"type":"candidate","room":"fuzz","to":"bob","candidate":{"candidate":"candidate:1 1 udp 1 1.2.3.4 9 typ host","sdpMid":"0"}}""",
        """{"type":"message","room":"calm","data":{"x":"y"}}""",
        """{"type":"invite","to":"alice","room":"calm","meta":{}}""",
        """{"type":"accept","callId":"c000"}""",
        """{"type":"update","room":"fuzz","meta":{"k":1}}""",
        """{"type":"refresh","token":"TOKEN"}""",
        """{"type":"hello","v":1,"token":"TOKEN","resume":"s1.abc","lastSeq":3}""",
        """{"type":"ping","id":"p"}""",
        """{"type":"leave","room":"fuzz"}""",
    ];

    [Fact]
    public async Task Hostile_frames_do_not_disturb_well_behaved_clients()
    {
        // The calm clients send ~160 requests as fast as the server answers: on a quiet machine that is well above the
        // default token bucket (50/s, burst 100), so raise it; rate limiting has its own tests.
        await using LiveServer server = await LiveServer.StartAsync(
            "--Signaling:MaxConnectionsPerIp=1000", "--Signaling:MaxFrameBytes=8192",
            "--Signaling:MessagesPerSecond=10000", "--Signaling:Burst=10000");
        await using TestClient alice = await server.PeerAsync("alice");
        await using TestClient bob = await server.PeerAsync("bob");
        foreach (TestClient c in new[] { alice, bob })
        {
            Assert.Equal("joined", (await c.RequestAsync(new ClientMessage { Type = "join", Room = "calm" })).Type);
        }

        using var stop = new CancellationTokenSource();
        Task<int>[] fuzzers = [.. Enumerable.Range(0, 6).Select(i => FuzzAsync(server, seed: 1000 + i, stop.Token))];

        const int Count = 150;
        for (int n = 0; n < Count; n++)
        {
            ServerMessage ack = await alice.RequestAsync(new ClientMessage { Type = "message", Room = "calm", To = "bob", Data = JsonDocument.Parse(n.ToString(System.Globalization.CultureInfo.InvariantCulture)).RootElement.Clone() });
            Assert.Equal("ack", ack.Type);
            ServerMessage got = await bob.ReceiveAsync(m => m.Type == "message" && m.From == "alice");
            Assert.Equal(("alice", n), (got.From, got.Data!.Value.GetInt32()));
            if (n % 25 == 0)
            {
                Assert.Equal("pong", (await bob.RequestAsync(new ClientMessage { Type = "ping" })).Type);
            }
        }
        await stop.CancelAsync();
        int frames = (await Task.WhenAll(fuzzers)).Sum();
        Assert.True(frames > 500, $"only {frames} hostile frames were sent");

        // Still serving, and nothing reached the calm clients from the fuzzers except presence in their room.
        Assert.Equal("pong", (await alice.RequestAsync(new ClientMessage { Type = "ping" })).Type);
        Assert.True(await alice.NothingAsync(m => m.Type == "error", TimeSpan.FromMilliseconds(100)));
        Assert.True(await bob.NothingAsync(m => m.From is not null && m.From != "alice", TimeSpan.FromMilliseconds(100)));
        await using TestClient late = await server.PeerAsync("late");
        Assert.Equal("joined", (await late.RequestAsync(new ClientMessage { Type = "join", Room = "calm" })).Type);
    }

    private static async Task<int> FuzzAsync(LiveServer server, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        string token = server.Token("fuzz" + seed, room: "fuzz"); // may not enter the calm room
        int sent = 0;
        while (!stop.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            try
            {
                await socket.ConnectAsync(server.WebSocketUri, CancellationToken.None);
                Task drain = DrainAsync(socket);
                if (random.Next(3) > 0)
                {
                    await SendAsync(socket, Encoding.UTF8.GetBytes(Seeds[0].Replace("TOKEN", token, StringComparison.Ordinal)), WebSocketMessageType.Text);
                }
                for (int i = 0; i < 60 && socket.State == WebSocketState.Open && !stop.IsCancellationRequested; i++)
                {
                    (byte[] frame, WebSocketMessageType type) = NextFrame(random, token);
                    await SendAsync(socket, frame, type);
                    sent++;
                }
                socket.Abort();
                await drain;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                // The server closed a hostile socket: expected; open another.
            }
        }
        return sent;
    }

    private static (byte[], WebSocketMessageType) NextFrame(Random random, string token)
    {
        switch (random.Next(10))
        {
            case 0:
                byte[] noise = new byte[random.Next(0, 300)];
                random.NextBytes(noise);
                return (noise, WebSocketMessageType.Text);
            case 1:
                return (new byte[random.Next(1, 50)], WebSocketMessageType.Binary);
            case 2:
                return (Encoding.UTF8.GetBytes("{\"type\":\"ping\",\"pad\":\"" + new string('x', 9000) + "\"}"), WebSocketMessageType.Text);
            case 3:
                return (Encoding.UTF8.GetBytes(new string('[', random.Next(1, 200))), WebSocketMessageType.Text);
            default:
                byte[] frame = Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)].Replace("TOKEN", token, StringComparison.Ordinal));
                int edits = random.Next(0, 4);
                for (int e = 0; e < edits; e++)
                {
                    frame[random.Next(frame.Length)] = (byte)random.Next(32, 127);
                }
                return (frame.AsSpan(0, random.Next(frame.Length / 2, frame.Length + 1)).ToArray(), WebSocketMessageType.Text);
        }
    }

    private static async Task SendAsync(ClientWebSocket socket, byte[] frame, WebSocketMessageType type)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(frame, type, true, cts.Token);
    }

    private static async Task DrainAsync(ClientWebSocket socket)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                ValueWebSocketReceiveResult r = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
