using System.Text;
using FsCheck.Xunit;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Signaling.Tests;

/// <summary>
/// The hand-written relay frame scanner (<see cref="RelayFrameScanner"/>) accepts only frames that
/// <see cref="RelayFrameCodec.TryRead"/> accepts, reads the same fields, and its one-allocation stamp gives the same
/// bytes as the codec's body + stamp (which <see cref="RelayFastPathTests"/> checks against the parser path).
/// </summary>
public sealed class RelayFrameScannerTests
{
    [Theory]
    [MemberData(nameof(RelayFastPathTests.Relayable), MemberType = typeof(RelayFastPathTests))]
    public void Scanned_frames_stamp_the_same_bytes_as_the_codec(string json)
    {
        byte[] frame = Encoding.UTF8.GetBytes(json);
        if (json.Contains("\\u0079", StringComparison.Ordinal))
        {
            Assert.Equal(RelayReadResult.UseParser, RelayFrameScanner.TryScan(frame, out _)); // an escaped key: the codec's
            return;
        }
        AssertSameAsCodec(frame);
    }

    [Theory]
    [MemberData(nameof(RelayFastPathTests.NotForTheFastPath), MemberType = typeof(RelayFastPathTests))]
    [InlineData("""{"type":"message","room":"r","data":"\ud83d\ude00"}""")] // surrogate escapes: the codec decides
    [InlineData("""{"type":"message","room":"r","data":"\x"}""")]
    [InlineData("""{"type":"message","room":"r","data":"\u12G4"}""")]
    [InlineData("""{"type":"message","room":"r","data":01}""")]
    [InlineData("""{"type":"message","room":"r","data":1.}""")]
    [InlineData("""{"type":"message","room":"r","data":-}""")]
    [InlineData("""{"type":"message","room":"r","data":1e}""")]
    [InlineData("""{"type":"message","room":"r","data":+1}""")]
    [InlineData("""{"type":"message","room":"r","data":tru}""")]
    [InlineData("""{"type":"message","room":"r","data":truex}""")]
    [InlineData("""{"type":"message","room":"r","data":[1,]}""")]
    [InlineData("""{"type":"message","room":"r","data":{"a":1,}}""")]
    [InlineData("""{"type":"message","room":"r","data":{"a" 1}}""")]
    [InlineData("""{"type":"message","room":"r","data":{1:1}}""")]
    [InlineData("""{"type":"message","room":"r","data":[1 2]}""")]
    [InlineData("""{"type":"message","room":"r","data":/*c*/1}""")]
    [InlineData("""{"type":"message","r\u006fom":"r","data":1}""")]
    [InlineData("""{"type":"message","room":"r\u0031","data":1}""")]
    [InlineData("""{"type":"message","id":"\u0031","room":"r","data":1}""")]
    [InlineData("""{"type":"message","id":"é","room":"r","data":1}""")]
    [InlineData("""{"type":"message","room":"r","to":"b","data":1,"x":null}""")]
    [InlineData("""{"type":"message","room":"r","data":1}""" + "\f")]
    [InlineData("""{}""")]
    [InlineData("")]
    [InlineData(" ")]
    public void Anything_unusual_is_left_to_the_codec(string json) =>
        Assert.Equal(RelayReadResult.UseParser, RelayFrameScanner.TryScan(Encoding.UTF8.GetBytes(json), out _));

    [Fact]
    public void Control_characters_in_strings_and_deep_nesting_are_left_to_the_codec()
    {
        Assert.Equal(RelayReadResult.UseParser, RelayFrameScanner.TryScan("{\"type\":\"message\",\"room\":\"r\",\"data\":\"a\tb\"}"u8, out _));
        string deep = new string('[', RelayFrameScanner.MaxDepth) + new string(']', RelayFrameScanner.MaxDepth);
        Assert.Equal(RelayReadResult.UseParser, RelayFrameScanner.TryScan(Encoding.UTF8.GetBytes($$"""{"type":"message","room":"r","data":{{deep}}}"""), out _));
        string fits = new string('[', RelayFrameScanner.MaxDepth - 1) + new string(']', RelayFrameScanner.MaxDepth - 1);
        AssertSameAsCodec(Encoding.UTF8.GetBytes($$"""{"type":"message","room":"r","data":{{fits}}}"""));
    }

    [Fact]
    public void Mutated_frames_are_scanned_only_when_the_codec_reads_them_the_same_way()
    {
        byte[][] seeds =
        [
            """{"type":"candidate","id":"x","room":"r","to":"b","candidate":{"candidate":"c","sdpMid":"0","i":-1.5e+3},"extra":[1,{"b":true}]}"""u8.ToArray(),
            """{"type":"message","room":"r","to":"b","data":{"lt":[1,2],"p":"a\"b\\c\u00e9"}}"""u8.ToArray(),
            """{"type":"offer","room":"r","to":"b","sdp":"v=0\r\n\/x","iceRestart":true}"""u8.ToArray(),
            """ { "type" : "answer" , "room" : "r.1" , "to" : "b@x:1" , "sdp" : "v" , "id" : "" } """u8.ToArray(),
        ];
        var random = new Random(8765);
        int scanned = 0, read = 0;
        for (int i = 0; i < 40_000; i++)
        {
            byte[] frame = (byte[])seeds[i % seeds.Length].Clone();
            int edits = random.Next(0, 4);
            for (int e = 0; e < edits; e++)
            {
                frame[random.Next(frame.Length)] = (byte)random.Next(random.Next(3) == 0 ? 0 : 32, 128);
            }
            int cut = random.Next(frame.Length - 3, frame.Length + 1);
            ReadOnlySpan<byte> span = frame.AsSpan(0, cut);
            if (RelayFrameCodec.TryRead(span, out _) == RelayReadResult.Ok)
            {
                read++;
            }
            if (RelayFrameScanner.TryScan(span, out _) == RelayReadResult.Ok)
            {
                scanned++;
                AssertSameAsCodec(span);
            }
        }
        Assert.True(scanned > 2000, $"only {scanned} mutated frames were scanned: the test no longer exercises the scanner");
        Assert.True(scanned > read * 9 / 10, $"the scanner took {scanned} of the {read} frames the codec reads: too many go the slow way");
    }

    [Property(MaxTest = 2000)]
    public void Any_bytes_are_scanned_without_throwing_and_only_as_the_codec_reads_them(byte[] frame)
    {
        if (RelayFrameScanner.TryScan(frame, out _) == RelayReadResult.Ok)
        {
            AssertSameAsCodec(frame);
        }
    }

    /// <summary>Random bytes (any value 0-255) written over a relayable frame at random places, then cut anywhere.</summary>
    [Property(MaxTest = 3000)]
    public void Frames_with_any_bytes_written_over_them_are_scanned_only_as_the_codec_reads_them(byte[] values, int[] places, int seed, int cut)
    {
        byte[] frame = (byte[])PropertySeeds[(seed & int.MaxValue) % PropertySeeds.Length].Clone();
        for (int e = 0; e < Math.Min(values.Length, places.Length) && e < 4; e++)
        {
            frame[(places[e] & int.MaxValue) % frame.Length] = values[e];
        }
        ReadOnlySpan<byte> span = frame.AsSpan(0, frame.Length - ((cut & int.MaxValue) % 4));
        if (RelayFrameScanner.TryScan(span, out _) == RelayReadResult.Ok)
        {
            AssertSameAsCodec(span);
        }
    }

    private static readonly byte[][] PropertySeeds =
    [
        """{"type":"message","id":"q","room":"r","to":"b","data":{"s":"a\"\u00e9","n":[-1.5e+3,0,true,null]}}"""u8.ToArray(),
        """{"type":"offer","room":"r.1","to":"b@x:1","sdp":"v=0\r\n","iceRestart":false}"""u8.ToArray(),
        """{"type":"candidate","room":"r","to":"b","candidate":{"candidate":"c","sdpMid":"0"}}"""u8.ToArray(),
    ];

    private static void AssertSameAsCodec(ReadOnlySpan<byte> frame)
    {
        Assert.Equal(RelayReadResult.Ok, RelayFrameScanner.TryScan(frame, out RelayFrameScan scan));
        Assert.Equal(RelayReadResult.Ok, RelayFrameCodec.TryRead(frame, out RelayFrame read));
        Assert.Equal(read, scan.ToFrame(frame));
        byte[] expected = RelayFrameCodec.Stamp(read.Type, 1234567, RelayFrameCodec.WriteBody(frame, read, "alice@x:1"));
        byte[] actual = RelayFrameCodec.Stamp(1234567, frame, scan, "alice@x:1");
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
    }
}
