using System.Text;
using System.Text.Json;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The relay fast path (<see cref="RelayFrameCodec"/>) must accept only what <see cref="FrameParser"/> accepts and
/// must give recipients the same JSON values as parse → <see cref="ServerMessage"/> → serialize.
/// </summary>
public sealed class RelayFastPathTests
{
    public static TheoryData<string> Relayable => new()
    {
        """{"type":"offer","room":"r","to":"bob","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}""",
        """{"type":"answer","id":"a1","room":"a.b-c_d","to":"bob@x:1","sdp":"v=0","iceRestart":true}""",
        """{"type":"offer","room":"r","to":"b","sdp":"caf\u00e9 \"q\" + <x> & ü","iceRestart":false,"extra":{"x":[1,2]},"data":5}""",
        """{"type":"candidate","room":"r","to":"b","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}}""",
        """{"type":"candidate","room":"r","to":"b","sdp":"s","candidate":{ "a" : [ 1, 2.5e3, "x" ] } }""",
        """ { "to" : "b" , "data" : {"lt":[1,123456789],"p":"xxxx"} , "room" : "r" , "type" : "message" } """,
        """{"type":"message","room":"r","data":"just a string"}""",
        """{"type":"message","room":"r","data":[true,false,null,{}]}""",
        """{"type":"message","room":"r","data":-1.5E-3,"candidate":{"ignored":1}}""",
        """{"t\u0079pe":"message","room":"r","data":1}""",
        """{"type":"message","seq":1,"from":"mallory","room":"r","to":"b","data":1}""", // the server stamps both
        """{"type":"offer","from":"mallory","room":"r","to":"b","sdp":"x","seq":-5,"from":{"peer":"eve"}}""",
    };

    [Theory]
    [MemberData(nameof(Relayable))]
    public void Fast_path_output_equals_the_parser_path(string json) => AssertSameAsParserPath(Encoding.UTF8.GetBytes(json));

    public static TheoryData<string> NotForTheFastPath => new()
    {
        """{"type":"offer","room":"r","to":"b","sdp":"x","v":1}""", // a client field the relay does not carry
        """{"type":"offer","room":"r","to":"b","sdp":"x","meta":{}}""",
        """{"type":"offer","room":"r","to":"b","sdp":"x","sdp":"y"}""", // duplicate
        """{"type":"candidate","room":"r","to":"b","candidate":null}""", // end-of-candidates: the parser path
        """{"type":"message","room":"r","data":null}""",
        """{"type":"message","room":"r","to":null,"data":1}""",
        """{"type":"offer","room":"r","to":"b"}""",
        """{"type":"offer","room":"r","sdp":"x"}""",
        """{"type":"offer","room":"has space","to":"b","sdp":"x"}""",
        """{"type":"offer","room":"r","to":"b c","sdp":"x"}""",
        """{"type":"offer","room":"r","to":"b","sdp":5}""",
        """{"type":"offer","room":"r","to":"b","sdp":"x","iceRestart":"yes"}""",
        """{"type":"candidate","room":"r","to":"b","candidate":"str"}""",
        """{"type":"message","room":"r"}""",
        """{"type":"MESSAGE","room":"r","data":1}""",
        """{"type":"join","room":"r"}""",
        """{"type":"message","room":"r","data":1} x""",
        """{"type":"message","room":"r","data":1}}""",
        """{"type":"message","room":"r","data":1,}""",
        """[{"type":"message","room":"r","data":1}]""",
        """{"type":"message","room":"r","data":1""",
        """{"type":"message","id":7,"room":"r","data":1}""",
        """{"type":"offer","room":"r","to":"bob","sdp":"\ud800"}""", // a lone surrogate: the parser's bad-request
        """{"type":"offer","room":"r","to":"bob","sdp":"\udc00x"}""",
        """{"type":"message","room":"r","to":"bob","data":{"a":["\ud800\u0041"]}}""",
        """{"type":"candidate","room":"r","to":"bob","candidate":{"candidate":"\udfff"}}""",
    };

    [Theory]
    [MemberData(nameof(NotForTheFastPath))]
    public void Anything_unusual_goes_to_the_parser(string json) =>
        Assert.Equal(RelayReadResult.UseParser, RelayFrameCodec.TryRead(Encoding.UTF8.GetBytes(json), out _));

    [Fact]
    public void Long_ids_and_invalid_utf8_go_to_the_parser()
    {
        string id = new('i', SignalingProtocol.MaxRequestIdLength + 1);
        Assert.Equal(RelayReadResult.UseParser, RelayFrameCodec.TryRead(Encoding.UTF8.GetBytes($$"""{"type":"message","id":"{{id}}","room":"r","data":1}"""), out _));
        byte[] bad = Encoding.UTF8.GetBytes("""{"type":"message","room":"r","data":"xx"}""");
        bad[^3] = 0xC3; // a lead byte without its continuation
        Assert.Equal(RelayReadResult.UseParser, RelayFrameCodec.TryRead(bad, out _));
    }

    [Fact]
    public void Mutated_frames_never_throw_and_are_accepted_only_when_the_parser_accepts_them()
    {
        byte[][] seeds =
        [
            """{"type":"candidate","id":"x","room":"r","to":"b","candidate":{"candidate":"c","sdpMid":"0"},"extra":[1,{"b":null}]}"""u8.ToArray(),
            """{"type":"message","room":"r","to":"b","data":{"lt":[1,2],"p":"abc"}}"""u8.ToArray(),
            """{"type":"offer","room":"r","to":"b","sdp":"v=0\r\n","iceRestart":true}"""u8.ToArray(),
        ];
        var random = new Random(4321);
        int accepted = 0;
        for (int i = 0; i < 30_000; i++)
        {
            byte[] frame = (byte[])seeds[i % seeds.Length].Clone();
            int edits = random.Next(0, 4);
            for (int e = 0; e < edits; e++)
            {
                frame[random.Next(frame.Length)] = (byte)random.Next(32, 127);
            }
            int cut = random.Next(frame.Length - 3, frame.Length + 1);
            ReadOnlySpan<byte> span = frame.AsSpan(0, cut);
            if (RelayFrameCodec.TryRead(span, out _) == RelayReadResult.Ok)
            {
                accepted++;
                AssertSameAsParserPath(span);
            }
        }
        Assert.True(accepted > 1000, $"only {accepted} mutated frames were relayable: the test no longer exercises the fast path");
    }

    /// <summary>Fast path vs what <c>RelayCommands</c> builds from a parsed message, both stamped with seq 42 and parsed back.</summary>
    private static void AssertSameAsParserPath(ReadOnlySpan<byte> frame)
    {
        Assert.Equal(RelayReadResult.Ok, RelayFrameCodec.TryRead(frame, out RelayFrame fast));
        ParseResult parsed = FrameParser.ParseClient(frame);
        Assert.True(parsed.IsOk, parsed.ErrorMessage);
        ClientMessage m = parsed.Message!;
        Assert.Equal((m.Type, m.Id, m.Room, m.To), (fast.Type, fast.Id, fast.Room, fast.To));

        var slow = new ServerMessage
        {
            Type = m.Type!,
            Seq = 42,
            Room = m.Room,
            From = "alice@x:1",
            Sdp = m.Sdp,
            IceRestart = m.IceRestart,
            Candidate = m.Type == MessageTypes.Candidate ? m.Candidate : null,
            Data = m.Type == MessageTypes.Message ? m.Data : null,
        };
        byte[] expected = FrameWriter.Write(slow);
        byte[] actual = RelayFrameCodec.Stamp(fast.Type, 42, RelayFrameCodec.WriteBody(frame, fast, "alice@x:1"));
        using JsonDocument e = JsonDocument.Parse(expected);
        using JsonDocument a = JsonDocument.Parse(actual);
        Assert.True(JsonElement.DeepEquals(e.RootElement, a.RootElement), $"{Encoding.UTF8.GetString(expected)}\n{Encoding.UTF8.GetString(actual)}");
        Assert.Equal(PropertyNames(e.RootElement), PropertyNames(a.RootElement)); // same field order too
        Assert.NotNull(FrameParser.ParseServer(actual));
    }

    private static List<string> PropertyNames(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];
}
