using System.Text;
using RtcStack.Signaling.Protocol;
using RtcStack.Signaling.Tests.Infrastructure;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// A <c>\u</c> escape of an unpaired surrogate passes <see cref="System.Text.Json.Utf8JsonReader"/> but cannot be read
/// as a string nor written back from a JSON element: such frames are <c>bad-request</c> on every path (the relay
/// fast path used to relay them, and the parser path threw inside the recipient's delivery after taking a seq).
/// </summary>
public sealed class LoneSurrogateTests
{
    private static readonly string[] Relays =
    [
        """{"type":"offer","room":"r","to":"bob","sdp":"\ud800"}""",
        """{"type":"answer","room":"r","to":"bob","sdp":"\udc00x"}""",
        """{"type":"offer","room":"r","to":"bob","sdp":"\uD800\u0041"}""",
        """{"type":"message","room":"r","to":"bob","data":"\ud800"}""",
        """{"type":"message","room":"r","to":"bob","data":"\\\ud800 \\ud800"}""", // after an escaped backslash
        """{"type":"message","room":"r","to":"bob","data":{"\udc00":1}}""",
        """{"type":"message","room":"r","data":["x\udbff"]}""", // a room broadcast
        """{"type":"message","room":"r","to":"bob","data":"\ud800","v":1}""", // not for the fast path: the dispatcher's
        """{"type":"candidate","room":"r","to":"bob","candidate":{"candidate":"\ud800\ud800"}}""",
        """{"type":"candidate","room":"r","to":"bob","candidate":{"\ude00":"x"}}""",
        """{"type":"offer","room":"r","to":"bob","sdp":"x","extra":"\ud800"}""", // even in a field nobody reads
    ];

    public static TheoryData<string> LoneSurrogateRelays => new(Relays);

    [Theory]
    [MemberData(nameof(LoneSurrogateRelays))]
    public void The_parser_refuses_a_lone_surrogate_and_the_fast_path_leaves_it_to_the_parser(string json)
    {
        byte[] frame = Encoding.UTF8.GetBytes(json.Replace("{\"type\"", "{\"id\":\"q\",\"type\"", StringComparison.Ordinal));
        ParseResult parsed = FrameParser.ParseClient(frame);
        Assert.Equal(ErrorCodes.BadRequest, parsed.ErrorCode);
        Assert.Equal("q", parsed.RequestId);
        Assert.Equal(RelayReadResult.UseParser, RelayFrameCodec.TryRead(frame, out _));
        Assert.Equal(RelayReadResult.UseParser, RelayFrameScanner.TryScan(frame, out _));
    }

    [Theory]
    [InlineData("""{"type":"message","room":"r","to":"bob","data":"\ud83d\ude00"}""")]
    [InlineData("""{"type":"message","room":"r","to":"bob","data":"\uDBFF\uDFFF"}""")]
    [InlineData("""{"type":"message","room":"r","to":"bob","data":"\\ud800"}""")] // an escaped backslash, then text
    [InlineData("""{"type":"message","room":"r","to":"bob","data":"\\\ud83d\ude00\n\u00e9"}""")]
    [InlineData("""{"type":"offer","room":"r","to":"bob","sdp":"\ud83d\ude00"}""")]
    public void Paired_surrogates_and_escaped_backslashes_are_still_relayed(string json)
    {
        byte[] frame = Encoding.UTF8.GetBytes(json);
        Assert.True(FrameParser.ParseClient(frame).IsOk);
        Assert.Equal(RelayReadResult.Ok, RelayFrameCodec.TryRead(frame, out _));
    }

    private static readonly string[] EscapePieces = ["a", "\\\\", "\\n", "\\u0041", "\\ud800", "\\udbff", "\\udc00", "\\uDFFF", "\\ud83d\\ude00", "u", "d800"];

    /// <summary>Strings of escapes in any order: refused exactly when <see cref="System.Text.Json.Utf8JsonReader.GetString"/> cannot read them.</summary>
    [FsCheck.Xunit.Property(MaxTest = 2000)]
    public void A_string_is_refused_exactly_when_it_cannot_be_read_as_a_string(int[] pieces)
    {
        string text = string.Concat(pieces.Take(12).Select(p => EscapePieces[(p & int.MaxValue) % EscapePieces.Length]));
        byte[] frame = Encoding.UTF8.GetBytes("{\"type\":\"message\",\"room\":\"r\",\"to\":\"bob\",\"data\":{\"k\":\"" + text + "\"}}");
        var reader = new System.Text.Json.Utf8JsonReader(Encoding.UTF8.GetBytes($"\"{text}\""));
        reader.Read();
        bool readable;
        try
        {
            _ = reader.GetString();
            readable = true;
        }
        catch (InvalidOperationException)
        {
            readable = false;
        }
        Assert.Equal(readable, FrameParser.ParseClient(frame).IsOk);
        Assert.Equal(readable, RelayFrameCodec.TryRead(frame, out _) == RelayReadResult.Ok);
    }

    [Fact]
    public async Task A_lone_surrogate_relay_is_answered_bad_request_and_takes_no_seq_of_the_recipient()
    {
        await using var h = new HubHarness();
        await h.StartAsync();
        (TestClient alice, TestClient bob) = await h.AliceAndBobInRoomAsync();
        int n = 0;
        foreach (string relay in Relays)
        {
            string id = "bad" + n++;
            await alice.SendRawAsync(relay.Replace("{\"type\"", "{\"id\":\"" + id + "\",\"type\"", StringComparison.Ordinal));
            ServerMessage answer = await alice.ReceiveAsync(m => m.Re == id);
            Assert.Equal((MessageTypes.Error, ErrorCodes.BadRequest), (answer.Type, answer.Code));
        }

        await alice.SendRawAsync("""{"type":"message","id":"good","room":"r","to":"bob","data":"\ud83d\ude00"}""");
        Assert.Equal("ack", (await alice.ReceiveAsync(m => m.Re == "good")).Type);
        // Bob's first seq'd frame is that message with seq 1: nothing before it was delivered nor took a seq
        // (the test client stops reading at a frame it cannot parse, and a frame that failed to serialize leaves a gap).
        ServerMessage first = await bob.ReceiveAsync(m => m.Seq is not null);
        Assert.Equal((MessageTypes.Message, 1L, "\ud83d\ude00"), (first.Type, first.Seq, first.Data!.Value.GetString()));
        Assert.Equal(1, bob.LastSeq);
    }
}
