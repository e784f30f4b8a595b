using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Tests;

public sealed class ParserTests
{
    public static TheoryData<string, string> Malformed => new()
    {
        { "", ErrorCodes.BadRequest },
        { "not json", ErrorCodes.BadRequest },
        { "[1,2]", ErrorCodes.BadRequest },
        { "null", ErrorCodes.BadRequest },
        { "\"hello\"", ErrorCodes.BadRequest },
        { "{", ErrorCodes.BadRequest },
        { "{}", ErrorCodes.BadRequest },
        { """{"type":5}""", ErrorCodes.BadRequest },
        { """{"type":"nope"}""", ErrorCodes.UnknownType },
        { """{"type":"HELLO","v":1,"token":"t"}""", ErrorCodes.UnknownType },
        { """{"type":"hello","token":"t"}""", ErrorCodes.ProtocolViolation },
        { """{"type":"hello","v":2,"token":"t"}""", ErrorCodes.ProtocolViolation },
        { """{"type":"hello","v":1}""", ErrorCodes.BadRequest },
        { """{"type":"hello","v":1,"token":"t","lastSeq":-1}""", ErrorCodes.BadRequest },
        { """{"type":"hello","v":"1","token":"t"}""", ErrorCodes.BadRequest },
        { """{"type":"refresh"}""", ErrorCodes.BadRequest },
        { """{"type":"join"}""", ErrorCodes.BadRequest },
        { """{"type":"join","room":""}""", ErrorCodes.BadRequest },
        { """{"type":"join","room":"has space"}""", ErrorCodes.BadRequest },
        { """{"type":"join","room":"r","meta":[1]}""", ErrorCodes.BadRequest },
        { """{"type":"join","room":"r","meta":"x"}""", ErrorCodes.BadRequest },
        { """{"type":"update","room":"r"}""", ErrorCodes.BadRequest },
        { """{"type":"leave"}""", ErrorCodes.BadRequest },
        { """{"type":"offer","room":"r","to":"b"}""", ErrorCodes.BadRequest },
        { """{"type":"offer","room":"r","sdp":"x"}""", ErrorCodes.BadRequest },
        { """{"type":"answer","room":"r","to":"b c","sdp":"x"}""", ErrorCodes.BadRequest },
        { """{"type":"candidate","room":"r","to":"b"}""", ErrorCodes.BadRequest },
        { """{"type":"candidate","room":"r","to":"b","candidate":"str"}""", ErrorCodes.BadRequest },
        { """{"type":"message","room":"r"}""", ErrorCodes.BadRequest },
        { """{"type":"invite","room":"r"}""", ErrorCodes.BadRequest },
        { """{"type":"invite","to":"b"}""", ErrorCodes.BadRequest },
        { """{"type":"accept"}""", ErrorCodes.BadRequest },
        { """{"type":"decline","callId":""}""", ErrorCodes.BadRequest },
        { """{"type":"ping","id":7}""", ErrorCodes.BadRequest },
        { """{"type":"ping","offer":{"deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}""", ErrorCodes.BadRequest },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_frames_get_their_error_code(string frame, string code)
    {
        ParseResult result = FrameParser.ParseClient(Encoding.UTF8.GetBytes(frame));
        Assert.False(result.IsOk);
        Assert.Equal(code, result.ErrorCode);
        Assert.False(string.IsNullOrEmpty(result.ErrorMessage));
    }

    [Fact]
    public void Oversized_meta_and_long_id_are_refused()
    {
        string meta = "{\"a\":\"" + new string('x', 5000) + "\"}";
        Assert.Equal(ErrorCodes.BadRequest, FrameParser.ParseClient(Encoding.UTF8.GetBytes($$"""{"type":"join","room":"r","meta":{{meta}}}""")).ErrorCode);
        string id = new('i', 65);
        Assert.Equal(ErrorCodes.BadRequest, FrameParser.ParseClient(Encoding.UTF8.GetBytes($$"""{"type":"ping","id":"{{id}}"}""")).ErrorCode);
    }

    [Fact]
    public void The_request_id_is_kept_even_when_the_frame_is_refused()
    {
        Assert.Equal("q1", FrameParser.ParseClient("""{"id":"q1","type":"join"}"""u8).RequestId);
        Assert.Equal("q2", FrameParser.ParseClient("""{"id":"q2","type":"join","room":7}"""u8).RequestId);
        Assert.Equal("q3", FrameParser.ParseClient("""{"id":"q3","type":"nope"}"""u8).RequestId);
    }

    public static TheoryData<string, string> Valid => new()
    {
        { """{"type":"hello","v":1,"token":"t","resume":"r","lastSeq":4,"extra":true}""", MessageTypes.Hello },
        { """{"type":"join","room":"a.b-c_d","meta":{"name":"x"}}""", MessageTypes.Join },
        { """{"type":"candidate","room":"r","to":"bob@x:1","candidate":null}""", MessageTypes.Candidate },
        { """{"type":"message","room":"r","data":null}""", MessageTypes.Message },
        { """{"type":"message","room":"r","to":"b","data":[1,"2"]}""", MessageTypes.Message },
        { """{"type":"decline","callId":"c1","reason":"no"}""", MessageTypes.Decline },
        { """{"type":"bye"}""", MessageTypes.Bye },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_frames_parse(string frame, string type)
    {
        ParseResult result = FrameParser.ParseClient(Encoding.UTF8.GetBytes(frame));
        Assert.True(result.IsOk, result.ErrorMessage);
        Assert.Equal(type, result.Message!.Type);
    }

    [Fact]
    public void Client_messages_round_trip()
    {
        var m = new ClientMessage { Type = "offer", Id = "1", Room = "r", To = "b", Sdp = "v=0\r\n" };
        ParseResult back = FrameParser.ParseClient(FrameWriter.Write(m));
        Assert.True(back.IsOk);
        Assert.Equal((m.Type, m.Id, m.Room, m.To, m.Sdp), (back.Message!.Type, back.Message.Id, back.Message.Room, back.Message.To, back.Message.Sdp));
    }

    [Fact]
    public void Parsing_never_throws_for_any_bytes() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            ParseResult r = FrameParser.ParseClient(bytes ?? []);
            return r.IsOk || r.ErrorCode is not null;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Parsing_never_throws_for_mutated_valid_frames()
    {
        byte[] seed = """{"type":"candidate","id":"x","room":"r","to":"b","candidate":{"candidate":"c","sdpMid":"0"},"meta":{"a":[1,2,{"b":null}]}}"""u8.ToArray();
        var random = new Random(1234);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] frame = (byte[])seed.Clone();
            int edits = random.Next(1, 6);
            for (int e = 0; e < edits; e++)
            {
                frame[random.Next(frame.Length)] = (byte)random.Next(256);
            }
            int cut = random.Next(frame.Length + 1);
            ParseResult r = FrameParser.ParseClient(frame.AsSpan(0, cut));
            Assert.True(r.IsOk || r.ErrorCode is not null);
        }
    }

    [Fact]
    public void Restored_is_written_only_on_a_repair_member_joined_and_read_back()
    {
        string plain = Encoding.UTF8.GetString(FrameWriter.Write(new ServerMessage { Type = "member-joined", Seq = 1, Room = "r", Peer = "bob" }));
        string repair = Encoding.UTF8.GetString(FrameWriter.Write(new ServerMessage { Type = "member-joined", Seq = 2, Room = "r", Peer = "bob", Restored = true }));
        Assert.DoesNotContain("restored", plain, StringComparison.Ordinal);
        Assert.EndsWith(",\"restored\":true}", repair, StringComparison.Ordinal);
        Assert.True(FrameParser.ParseServer(Encoding.UTF8.GetBytes(repair))?.Restored);
    }

    [Fact]
    public void Every_fatal_code_has_its_documented_close_code()
    {
        Assert.Equal(4003, ErrorCodes.CloseCodeFor(ErrorCodes.NotAuthenticated));
        Assert.Equal(4003, ErrorCodes.CloseCodeFor(ErrorCodes.ProtocolViolation));
        Assert.Equal(4001, ErrorCodes.CloseCodeFor(ErrorCodes.InvalidToken));
        Assert.Equal(4002, ErrorCodes.CloseCodeFor(ErrorCodes.TokenExpired));
        Assert.Equal(1009, ErrorCodes.CloseCodeFor(ErrorCodes.FrameTooLarge));
        Assert.Equal(1003, ErrorCodes.CloseCodeFor(ErrorCodes.BinaryNotSupported));
        Assert.Equal(4005, ErrorCodes.CloseCodeFor(ErrorCodes.SlowConsumer));
        Assert.Equal(4008, ErrorCodes.CloseCodeFor(ErrorCodes.TooManyConnections));
        foreach (string code in new[] { ErrorCodes.BadRequest, ErrorCodes.UnknownType, ErrorCodes.Forbidden, ErrorCodes.RoomFull, ErrorCodes.TooManyRooms, ErrorCodes.NotInRoom, ErrorCodes.UnknownTarget, ErrorCodes.UnknownCall, ErrorCodes.RateLimited, ErrorCodes.ResumeFailed, ErrorCodes.InternalError })
        {
            Assert.False(ErrorCodes.IsFatal(code));
        }
        Assert.Equal(19, ErrorCodes.All.Count);
    }
}
