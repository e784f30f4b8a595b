using System.Net.WebSockets;
using System.Text;
using RtcStack.Server.Tests.Infrastructure;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Tests.Protocol;

/// <summary>
/// Random and mutated frames (seeded, so a failure replays) thrown at a live server over real sockets, before
/// and after <c>hello</c>; well-behaved clients on the same server must keep being served throughout.
/// </summary>
public sealed class FuzzTests
{
    private const string Noise = "{}[]\":,0-eE\\\u0000\u00e9\ud83d";

    private static readonly string[] Valid =
    [
        """{"type":"join","id":"1","room":"fuzz","meta":{"name":"x"}}""",
        """{"type":"leave","id":"2","room":"fuzz"}""",
        """{"type":"update","id":"3","room":"fuzz","meta":{"muted":true}}""",
        """{"type":"offer","id":"4","room":"fuzz","to":"good-b","sdp":"v=0","iceRestart":true}""",
        """{"type":"answer","id":"5","room":"fuzz","to":"good-b","sdp":"v=0"}""",
        """{"type":"candidate","id":"6","room":"fuzz","to":"good-b","candidate":{"candidate":"c","sdpMid":"0"}}""",
        """{"type":"candidate","id":"7","room":"fuzz","to":"good-b","candidate":null}""",
        """{"type":"message","id":"8","room":"fuzz","data":[1,{"a":null}]}""",
        """{"type":"invite","id":"9","to":"good-b","room":"fuzz"}""",
        """{"type":"accept","id":"10","callId":"c-1"}""",
        """{"type":"refresh","id":"11","token":"x.y.z"}""",
        """{"type":"ping","id":"12"}""",
        """{"type":"hello","v":1,"token":"a.b.c","resume":"r","lastSeq":-1}""",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_and_mutated_frames_never_stop_the_server_serving_others(int seed)
    {
        var random = new Random(seed);
        await using var node = await TestNode.StartAsync("MessagesPerSecond=100000", "Burst=100000", "HelloTimeoutMs=5000");
        var (a, _) = await node.ConnectAsync("good-a");
        var (b, bEvents) = await node.ConnectAsync("good-b");
        await a.JoinAsync("fuzz");
        await b.JoinAsync("fuzz");
        string token = node.Mint("fuzzer");
        RawSocket? raw = null;
        try
        {
            for (int i = 0; i < 300; i++)
            {
                if (raw is null || raw.State != WebSocketState.Open)
                {
                    if (raw is not null)
                    {
                        await raw.DisposeAsync();
                    }

                    raw = await RawSocket.ConnectAsync(node.WebSocketUri);
                    if (random.Next(4) != 0)
                    {
                        await raw.HelloAsync(token);
                    }
                }

                try
                {
                    var (bytes, type) = NextFrame(random);
                    await raw.SendAsync(bytes, type);
                }
                catch (WebSocketException)
                {
                    // The server closed this socket (a fatal error it provoked); the next round opens another.
                }

                if (i % 25 == 0)
                {
                    await a.SendMessageAsync("fuzz", Json.Parse(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), to: "good-b");
                }
            }
        }
        finally
        {
            if (raw is not null)
            {
                await raw.DisposeAsync();
            }
        }

        var received = await bEvents.WaitCountAsync(MessageTypes.Message, 12);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i * 25), received.Where(m => m.From == "good-a").Select(m => m.Data!.Value.GetInt32()));
        await a.PingAsync();
        await b.PingAsync();
        Assert.Equal(200, await node.GetStatusAsync("/healthz"));
    }

    private static (byte[] Bytes, WebSocketMessageType Type) NextFrame(Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                var noise = new byte[random.Next(0, 300)];
                random.NextBytes(noise);
                return (noise, random.Next(5) == 0 ? WebSocketMessageType.Binary : WebSocketMessageType.Text);
            case 1:
                return (Encoding.UTF8.GetBytes(new string('[', random.Next(1, 2000))), WebSocketMessageType.Text);
            case 2:
                return (Encoding.UTF8.GetBytes("{\"type\":\"message\",\"room\":\"fuzz\",\"data\":\"" + new string('z', random.Next(60_000, 70_000)) + "\"}"), WebSocketMessageType.Text);
            default:
                return (Encoding.UTF8.GetBytes(Mutate(Valid[random.Next(Valid.Length)], random)), WebSocketMessageType.Text);
        }
    }

    private static string Mutate(string frame, Random random)
    {
        var text = new StringBuilder(frame);
        int edits = random.Next(0, 4);
        for (int e = 0; e < edits && text.Length > 0; e++)
        {
            int at = random.Next(text.Length);
            switch (random.Next(4))
            {
                case 0:
                    text.Remove(at, 1);
                    break;
                case 1:
                    text.Insert(at, Noise[random.Next(Noise.Length)]);
                    break;
                case 2:
                    text[at] = (char)random.Next(32, 127);
                    break;
                default:
                    text.Insert(at, "\"type\":\"bye\",");
                    break;
            }
        }

        return text.ToString();
    }
}
