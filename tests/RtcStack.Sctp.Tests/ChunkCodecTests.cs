using FsCheck.Xunit;
using RtcStack.Sctp.DataChannels;
using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Tests;

public sealed class ChunkCodecTests
{
    [Property]
    public bool Data_round_trips(uint tsn, ushort stream, ushort ssn, uint ppid, byte flags, byte[] payload)
    {
        if (payload.Length == 0)
        {
            return DataChunk.TryRead(flags, new byte[DataChunk.HeaderLength], out _) == SctpReadResult.BadValue;
        }

        byte[] value = new byte[DataChunk.HeaderLength + payload.Length];
        DataChunk.Write(value, tsn, stream, ssn, ppid, payload);
        return DataChunk.TryRead(flags, value, out DataChunk d) == SctpReadResult.Ok
            && d.Tsn == tsn && d.StreamId == stream && d.StreamSequenceNumber == ssn && d.PayloadProtocolId == ppid
            && d.Flags == flags && d.UserData.SequenceEqual(payload);
    }

    [Property]
    public bool Init_round_trips(uint tag, uint rwnd, ushort os, ushort mis, uint tsn, byte[] cookie)
    {
        tag |= 1;
        os |= 1;
        mis |= 1;
        byte[] value = new byte[InitChunk.ValueLength(cookie.Length)];
        int written = InitChunk.Write(value, tag, rwnd, os, mis, tsn, cookie);
        return written == value.Length
            && InitChunk.TryRead(value, out InitChunk init) == SctpReadResult.Ok
            && init.InitiateTag == tag && init.AdvertisedReceiverWindow == rwnd && init.OutboundStreams == os
            && init.InboundStreams == mis && init.InitialTsn == tsn && init.StateCookie.SequenceEqual(cookie)
            && init.SupportsForwardTsn && init.SupportsReConfig;
    }

    [Theory]
    [InlineData("00000000000000000001000100000000", nameof(SctpReadResult.BadValue))] // tag 0
    [InlineData("00000001000000000000000100000000", nameof(SctpReadResult.BadValue))] // OS 0
    [InlineData("000000010000000000010001000000", nameof(SctpReadResult.TooShort))]
    [InlineData("0000000100000000000100010000000000070010", nameof(SctpReadResult.BadParameterLength))] // cookie past end
    [InlineData("000000010000000000010001000000000007000300", nameof(SctpReadResult.BadParameterLength))] // length 3
    public void Bad_init_values(string hex, string expected) =>
        Assert.Equal(Enum.Parse<SctpReadResult>(expected), InitChunk.TryRead(Convert.FromHexString(hex), out _));

    [Fact]
    public void Sack_with_gap_blocks_and_duplicates_round_trips()
    {
        byte[] value = new byte[SackChunk.ValueLength(2, 1)];
        SackChunk.WriteHeader(value, 1000, 65536, 2, 1);
        SackChunk.WriteGapBlock(value, 0, 2, 3);
        SackChunk.WriteGapBlock(value, 1, 6, 6);
        SackChunk.WriteDuplicate(value, 2, 0, 999);
        Assert.Equal(SctpReadResult.Ok, SackChunk.TryRead(value, out SackChunk sack));
        Assert.Equal(1000u, sack.CumulativeTsnAck);
        Assert.Equal(65536u, sack.AdvertisedReceiverWindow);
        Assert.Equal(((ushort)2, (ushort)3), sack.GetGapBlock(0));
        Assert.Equal(((ushort)6, (ushort)6), sack.GetGapBlock(1));
        Assert.Equal(999u, sack.GetDuplicate(0));
    }

    [Theory]
    [InlineData("000003e800010000000100000001", nameof(SctpReadResult.BadChunkLength))] // 1 gap announced, 2 bytes present
    [InlineData("000003e80001000000010000", nameof(SctpReadResult.BadChunkLength))]
    [InlineData("000003e8000100000001000000000002", nameof(SctpReadResult.BadValue))] // gap start 0
    [InlineData("000003e8000100000001000000050002", nameof(SctpReadResult.BadValue))] // end < start
    [InlineData("000003e8", nameof(SctpReadResult.TooShort))]
    public void Bad_sack_values(string hex, string expected) =>
        Assert.Equal(Enum.Parse<SctpReadResult>(expected), SackChunk.TryRead(Convert.FromHexString(hex), out _));

    [Fact]
    public void Forward_tsn_round_trips()
    {
        byte[] value = new byte[ForwardTsnChunk.ValueLength(2)];
        ForwardTsnChunk.WriteHeader(value, 77);
        ForwardTsnChunk.WriteStream(value, 0, 1, 5);
        ForwardTsnChunk.WriteStream(value, 1, 3, 9);
        Assert.Equal(SctpReadResult.Ok, ForwardTsnChunk.TryRead(value, out ForwardTsnChunk f));
        Assert.Equal(77u, f.NewCumulativeTsn);
        Assert.Equal(2, f.StreamCount);
        Assert.Equal(((ushort)3, (ushort)9), f.GetStream(1));
        Assert.Equal(SctpReadResult.BadChunkLength, ForwardTsnChunk.TryRead(value.AsSpan(0, 6), out _));
    }

    [Fact]
    public void Outgoing_reset_request_and_response_round_trip()
    {
        byte[] buffer = new byte[64];
        int n = ReConfigParameter.WriteOutgoingRequest(buffer, 10, 20, 30, [1, 3, 5]);
        n += ReConfigParameter.WriteResponse(buffer.AsSpan(n), 40, ReConfigResult.InProgress);
        var parameters = new SctpParameterEnumerator(buffer.AsSpan(0, n));
        Assert.True(parameters.MoveNext());
        Assert.Equal(SctpReadResult.Ok, ReConfigParameter.TryRead(parameters.Type, parameters.Value, out ReConfigParameter request));
        Assert.Equal(ReConfigParameter.OutgoingSsnResetRequest, request.Type);
        Assert.Equal((10u, 20u, 30u, 3), (request.RequestSequenceNumber, request.Second, request.Third, request.StreamCount));
        Assert.Equal(5, request.GetStream(2));
        Assert.True(parameters.MoveNext());
        Assert.Equal(SctpReadResult.Ok, ReConfigParameter.TryRead(parameters.Type, parameters.Value, out ReConfigParameter response));
        Assert.Equal((40u, (uint)ReConfigResult.InProgress), (response.ResponseSequenceNumber, response.Second));
        Assert.False(parameters.MoveNext());
        Assert.True(parameters.Valid);
    }

    [Fact]
    public void Incoming_reset_request_round_trips()
    {
        byte[] buffer = new byte[ReConfigParameter.IncomingRequestSize(3)];
        Assert.Equal(buffer.Length, ReConfigParameter.WriteIncomingRequest(buffer, 9, [2, 4, 6]));
        var parameters = new SctpParameterEnumerator(buffer);
        Assert.True(parameters.MoveNext());
        Assert.Equal(SctpReadResult.Ok, ReConfigParameter.TryRead(parameters.Type, parameters.Value, out ReConfigParameter p));
        Assert.Equal(ReConfigParameter.IncomingSsnResetRequest, p.Type);
        Assert.Equal((9u, 3, (ushort)6), (p.RequestSequenceNumber, p.StreamCount, p.GetStream(2)));
    }

    [Theory]
    [InlineData(13, 11, nameof(SctpReadResult.TooShort))]
    [InlineData(13, 13, nameof(SctpReadResult.BadParameterLength))] // odd stream list
    [InlineData(16, 7, nameof(SctpReadResult.TooShort))]
    [InlineData(14, 3, nameof(SctpReadResult.TooShort))]
    [InlineData(16, 8, nameof(SctpReadResult.Ok))]
    public void Re_config_parameter_lengths(ushort type, int length, string expected) =>
        Assert.Equal(Enum.Parse<SctpReadResult>(expected), ReConfigParameter.TryRead(type, new byte[length], out _));

    [Fact]
    public void Dcep_open_round_trips_and_bad_ones_are_values()
    {
        byte[] open = DcepMessage.CreateOpen(0x81, 256, 3, "label", "proto");
        Assert.Equal(SctpReadResult.Ok, DcepMessage.TryRead(open, out DcepMessage m));
        Assert.Equal((DcepMessage.TypeOpen, (byte)0x81, (ushort)256, 3u), (m.MessageType, m.ChannelType, m.Priority, m.ReliabilityParameter));
        Assert.Equal("label"u8.ToArray(), m.Label.ToArray());
        Assert.Equal("proto"u8.ToArray(), m.Protocol.ToArray());
        Assert.Equal(SctpReadResult.BadParameterLength, DcepMessage.TryRead(open.AsSpan(0, open.Length - 1), out _));
        Assert.Equal(SctpReadResult.BadValue, DcepMessage.TryRead([0x07], out _));
        Assert.Equal(SctpReadResult.TooShort, DcepMessage.TryRead([], out _));
        Assert.Equal(SctpReadResult.Ok, DcepMessage.TryRead(DcepMessage.CreateAck(), out DcepMessage ack));
        Assert.Equal(DcepMessage.TypeAck, ack.MessageType);
    }

    [Fact]
    public void Rfc8832_open_example_layout()
    {
        // RFC 8832 §5.1: type 0x03, channel type, priority, reliability, label length, protocol length.
        byte[] open = Convert.FromHexString("03010100000000050001000061");
        Assert.Equal(SctpReadResult.Ok, DcepMessage.TryRead(open, out DcepMessage m));
        Assert.Equal(0x01, m.ChannelType);
        Assert.Equal(0x0100, m.Priority);
        Assert.Equal(5u, m.ReliabilityParameter);
        Assert.Equal("a"u8.ToArray(), m.Label.ToArray());
        Assert.True(m.Protocol.IsEmpty);
    }
}
