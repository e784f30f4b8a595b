using System.Buffers.Binary;
using RtcStack.Stun.Tests.TestData;

namespace RtcStack.Stun.Tests;

/// <summary>Header and attribute-walk rules of RFC 8489 §5, §14, and 420 detection (§6.3.1).</summary>
public sealed class ParseRulesTests
{
    public static TheoryData<string, StunParseResult> HeaderCases => new()
    {
        { "", StunParseResult.TooShort },
        { "00 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00", StunParseResult.TooShort },
        { "80 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00", StunParseResult.NotStun },
        { "40 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00", StunParseResult.NotStun },
        { "00 01 00 00 21 12 a4 43 00 00 00 00 00 00 00 00 00 00 00 00", StunParseResult.BadMagicCookie },
        { "00 01 00 02 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 00", StunParseResult.BadLength },
        { "00 01 00 04 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00", StunParseResult.LengthMismatch },
        { "00 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", StunParseResult.LengthMismatch },
        { "00 01 00 04 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 0d 00 04", StunParseResult.MalformedAttribute },
        { "00 01 00 08 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 0d 00 05 00 00 00 00", StunParseResult.MalformedAttribute },
        { "00 01 00 0c 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 80 28 00 04 00 00 00 00 00 1a 00 00", StunParseResult.BadFingerprintPosition },
        { "00 01 00 08 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 80 28 00 02 00 00 00 00", StunParseResult.BadFingerprintPosition },
        { "00 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00", StunParseResult.Success },
        { "00 01 00 04 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 1a 00 00", StunParseResult.Success },
    };

    [Theory]
    [MemberData(nameof(HeaderCases))]
    public void Header_and_walk(string hex, StunParseResult expected) =>
        Assert.Equal(expected, StunMessageReader.TryParse(Hex.Parse(hex), out _));

    [Fact]
    public void Attributes_after_message_integrity_are_ignored_but_integrity_still_verifies()
    {
        byte[] signed = AttributeTableTests.Build(null, (ref StunMessageWriter w) =>
        {
            w.AddLifetime(600);
            w.AddMessageIntegrity("key"u8);
        });
        // Append DATA after MESSAGE-INTEGRITY and fix the length: an attacker's trick.
        byte[] tampered = [.. signed, 0x00, 0x13, 0x00, 0x04, 1, 2, 3, 4];
        BinaryPrimitives.WriteUInt16BigEndian(tampered.AsSpan(2), (ushort)(tampered.Length - 20));
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(tampered, out StunMessageReader reader));
        Assert.False(reader.TryGetData(out _));
        Assert.True(reader.TryGetLifetime(out _));
        Assert.True(reader.VerifyMessageIntegrity("key"u8));
    }

    [Fact]
    public void Sha256_integrity_can_be_truncated_and_coexists_with_sha1()
    {
        byte[] message = AttributeTableTests.Build(null, (ref StunMessageWriter w) =>
        {
            w.AddSoftware("x");
            w.AddMessageIntegrity("k1"u8);
            w.AddMessageIntegritySha256("k1"u8, length: 16);
            w.AddFingerprint();
        });
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Assert.True(reader.VerifyMessageIntegrity("k1"u8));
        Assert.True(reader.VerifyMessageIntegritySha256("k1"u8));
        Assert.False(reader.VerifyMessageIntegritySha256("k2"u8));
        Assert.True(reader.VerifyFingerprint());
    }

    [Fact]
    public void Unknown_comprehension_required_attributes_are_reported_for_420()
    {
        byte[] message = AttributeTableTests.Build(null, (ref StunMessageWriter w) =>
        {
            w.AddAttribute((StunAttributeType)0x0003, [0, 0, 0, 0]);   // CHANGE-REQUEST: not supported here
            w.AddAttribute((StunAttributeType)0x8123, [1]);            // optional: ignored
            w.AddLifetime(60);
            w.AddAttribute((StunAttributeType)0x7FFF, []);
        });
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[8];
        int count = reader.GetUnknownComprehensionRequired(unknown);
        Assert.Equal(2, count);
        Assert.Equal((StunAttributeType)0x0003, unknown[0]);
        Assert.Equal((StunAttributeType)0x7FFF, unknown[1]);

        // The 420 answer carries them in UNKNOWN-ATTRIBUTES.
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, reader.MessageType.WithClass(StunClass.ErrorResponse), reader.TransactionIdBytes);
        writer.AddErrorCode(StunErrorCodes.UnknownAttribute, StunErrorCodes.GetReasonPhrase(StunErrorCodes.UnknownAttribute));
        writer.AddUnknownAttributes(unknown[..count]);
        Assert.True(writer.TryComplete(out int length));
        StunMessageReader.TryParse(buffer.AsSpan(0, length), out StunMessageReader answer);
        Assert.Equal(StunClass.ErrorResponse, answer.Class);
        Assert.Equal(2, answer.GetUnknownAttributes(unknown));
    }

    [Fact]
    public void Every_known_attribute_is_not_reported_unknown()
    {
        foreach (StunAttributeType type in Enum.GetValues<StunAttributeType>())
        {
            byte[] message = AttributeTableTests.Build(null, (ref StunMessageWriter w) => w.AddAttribute(type, [0, 0, 0, 0]));
            StunMessageReader.TryParse(message, out StunMessageReader reader);
            Assert.Equal(0, reader.GetUnknownComprehensionRequired([]));
        }
    }

    [Fact]
    public void Writer_overflow_is_a_value_not_an_exception()
    {
        var writer = new StunMessageWriter(new byte[30], StunMessageType.BindingRequest, TransactionId.NewRandom());
        writer.AddLifetime(1); // 28 bytes
        writer.AddSoftware("too long for the buffer");
        writer.AddFingerprint();
        Assert.True(writer.HasOverflowed);
        Assert.False(writer.TryComplete(out _));

        var tiny = new StunMessageWriter(new byte[10], StunMessageType.BindingRequest, TransactionId.NewRandom());
        tiny.AddLifetime(1);
        Assert.False(tiny.TryComplete(out _));
    }

    [Fact]
    public void Framing_finds_stun_and_padded_channel_data()
    {
        byte[] stun = Rfc5769.SampleRequest;
        Assert.Equal(StunFrameKind.Stun, StunFraming.TryGetFrameLength(stun, out int length));
        Assert.Equal(stun.Length, length);
        Assert.Equal(StunFrameKind.NeedMoreData, StunFraming.TryGetFrameLength(stun.AsSpan(0, 7), out _));
        Assert.Equal(StunFrameKind.ChannelData, StunFraming.TryGetFrameLength([0x40, 0x01, 0x00, 0x05], out length));
        Assert.Equal(12, length);
        Assert.Equal(StunFrameKind.NeedMoreData, StunFraming.TryGetFrameLength([0x40, 0x01], out _));
        Assert.Equal(StunFrameKind.Invalid, StunFraming.TryGetFrameLength([0x50, 0x00, 0x00, 0x00], out _));
        Assert.Equal(StunFrameKind.Invalid, StunFraming.TryGetFrameLength([0x80, 0x00, 0x00, 0x00], out _));
        Assert.Equal(StunFrameKind.Invalid, StunFraming.TryGetFrameLength(Hex.Parse("00 01 00 00 01 02 03 04"), out _));
    }

    [Theory]
    [InlineData("40 00 00 00", ChannelDataParseResult.Success)]
    [InlineData("4f ff 00 01 aa", ChannelDataParseResult.Success)]
    [InlineData("4f ff 00 01 aa 00 00 00", ChannelDataParseResult.Success)]
    [InlineData("4f ff 00 01 aa 00 00 00 00", ChannelDataParseResult.LengthMismatch)]
    [InlineData("40 00 00 02 aa", ChannelDataParseResult.TooShort)]
    [InlineData("40 00 00", ChannelDataParseResult.TooShort)]
    [InlineData("3f ff 00 00", ChannelDataParseResult.InvalidChannelNumber)]
    [InlineData("50 00 00 00", ChannelDataParseResult.InvalidChannelNumber)]
    public void Channel_data_table(string hex, ChannelDataParseResult expected) =>
        Assert.Equal(expected, ChannelDataReader.TryParse(Hex.Parse(hex), out _));

    [Fact]
    public void Channel_data_writer_refuses_bad_channels()
    {
        var buffer = new byte[16];
        Assert.False(ChannelDataWriter.TryWrite(buffer, 0x3FFF, [1], padded: false, out _));
        Assert.False(ChannelDataWriter.TryWrite(buffer, 0x5000, [1], padded: false, out _));
        Assert.False(ChannelDataWriter.TryWrite(new byte[4], 0x4000, [1], padded: false, out _));
        Assert.True(ChannelDataWriter.TryWrite(buffer, 0x4000, [1, 2, 3, 4, 5], padded: true, out int written));
        Assert.Equal(Hex.Parse("40 00 00 05 01 02 03 04 05 00 00 00"), buffer[..written]);
    }
}
