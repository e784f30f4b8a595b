using System.Text;

namespace RtcStack.Stun.Tests;

/// <summary>One row per attribute: written by the writer, read back by the typed getter, and the wire bytes checked.</summary>
public sealed class AttributeTableTests
{
    public static TheoryData<string, string> AddressCases => new()
    {
        { "192.0.2.1:32853", "00 01 a1 47 e1 12 a6 43" },
        { "0.0.0.0:0", "00 01 21 12 21 12 a4 42" },
        { "255.255.255.255:65535", "00 01 de ed de ed 5b bd" },
        { "[2001:db8:1234:5678:11:2233:4455:6677]:32853", "00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9" },
    };

    [Theory]
    [MemberData(nameof(AddressCases))]
    public void Xor_address_attributes_use_the_rfc_5769_encoding(string text, string hexValue)
    {
        Assert.True(TransportAddress.TryParse(text, out TransportAddress address));
        byte[] transactionId = Convert.FromHexString("b7e7a701bc34d686fa87dfae");
        foreach (StunAttributeType type in new[] { StunAttributeType.XorMappedAddress, StunAttributeType.XorPeerAddress, StunAttributeType.XorRelayedAddress })
        {
            byte[] message = Build(transactionId, (ref StunMessageWriter w) => w.AddAddress(type, address, xor: true));
            Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(message, out StunMessageReader reader));
            Assert.True(reader.TryGetAttribute(type, out ReadOnlySpan<byte> value));
            Assert.Equal(TestData.Hex.Parse(hexValue), value.ToArray());
            TransportAddress read = type switch
            {
                StunAttributeType.XorMappedAddress => reader.TryGetXorMappedAddress(out TransportAddress a) ? a : default,
                StunAttributeType.XorPeerAddress => reader.TryGetXorPeerAddress(out TransportAddress b) ? b : default,
                _ => reader.TryGetXorRelayedAddress(out TransportAddress c) ? c : default,
            };
            Assert.Equal(address, read);
        }
    }

    [Theory]
    [InlineData("192.0.2.1:3478", "00 01 0d 96 c0 00 02 01")]
    [InlineData("[::1]:1", "00 02 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01")]
    public void Plain_address_attributes(string text, string hexValue)
    {
        Assert.True(TransportAddress.TryParse(text, out TransportAddress address));
        byte[] message = Build(null, (ref StunMessageWriter w) =>
        {
            w.AddMappedAddress(address);
            w.AddAlternateServer(address);
        });
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(message, out StunMessageReader reader));
        Assert.True(reader.TryGetAttribute(StunAttributeType.MappedAddress, out ReadOnlySpan<byte> value));
        Assert.Equal(TestData.Hex.Parse(hexValue), value.ToArray());
        Assert.True(reader.TryGetMappedAddress(out TransportAddress mapped));
        Assert.True(reader.TryGetAlternateServer(out TransportAddress alternate));
        Assert.Equal(address, mapped);
        Assert.Equal(address, alternate);
    }

    [Theory]
    [InlineData(300, "Try Alternate", "00 00 03 00")]
    [InlineData(401, "Unauthenticated", "00 00 04 01")]
    [InlineData(420, "", "00 00 04 14")]
    [InlineData(438, "Stale Nonce", "00 00 04 26")]
    [InlineData(699, "x", "00 00 06 63")]
    public void Error_code(int code, string reason, string hexPrefix)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) => w.AddErrorCode(code, reason));
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(message, out StunMessageReader reader));
        Assert.True(reader.TryGetAttribute(StunAttributeType.ErrorCode, out ReadOnlySpan<byte> value));
        Assert.Equal(TestData.Hex.Parse(hexPrefix), value[..4].ToArray());
        Assert.True(reader.TryGetErrorCode(out int readCode, out ReadOnlySpan<byte> readReason));
        Assert.Equal(code, readCode);
        Assert.Equal(reason, Encoding.UTF8.GetString(readReason));
    }

    [Theory]
    [InlineData(299)]
    [InlineData(700)]
    [InlineData(-1)]
    public void Error_code_out_of_range_is_refused_without_throwing(int code)
    {
        var writer = new StunMessageWriter(new byte[100], StunMessageType.BindingRequest, TransactionId.NewRandom());
        writer.AddErrorCode(code, "x");
        Assert.False(writer.TryComplete(out _));
    }

    [Theory]
    [InlineData(StunAddressFamily.IPv4, 440, "Address Family not Supported")]
    [InlineData(StunAddressFamily.IPv6, 508, "Insufficient Capacity")]
    public void Address_error_code(StunAddressFamily family, int code, string reason)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) => w.AddAddressErrorCode(family, code, reason));
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Assert.True(reader.TryGetAddressErrorCode(out StunAddressFamily readFamily, out int readCode, out ReadOnlySpan<byte> readReason));
        Assert.Equal((family, code, reason), (readFamily, readCode, Encoding.UTF8.GetString(readReason)));
    }

    [Theory]
    [InlineData(StunAttributeType.Lifetime, 600u)]
    [InlineData(StunAttributeType.Lifetime, 0u)]
    [InlineData(StunAttributeType.Priority, 0x6e0001ffu)]
    [InlineData(StunAttributeType.ConnectionId, 0xdeadbeefu)]
    public void UInt32_attributes(StunAttributeType type, uint expected)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) =>
        {
            switch (type)
            {
                case StunAttributeType.Lifetime: w.AddLifetime(expected); break;
                case StunAttributeType.Priority: w.AddPriority(expected); break;
                default: w.AddConnectionId(expected); break;
            }
        });
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        uint actual = 0;
        bool found = type switch
        {
            StunAttributeType.Lifetime => reader.TryGetLifetime(out actual),
            StunAttributeType.Priority => reader.TryGetPriority(out actual),
            _ => reader.TryGetConnectionId(out actual),
        };
        Assert.True(found);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(StunAttributeType.ReservationToken, 0x0102030405060708ul)]
    [InlineData(StunAttributeType.IceControlled, ulong.MaxValue)]
    [InlineData(StunAttributeType.IceControlling, 1ul)]
    public void UInt64_attributes(StunAttributeType type, ulong expected)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) =>
        {
            switch (type)
            {
                case StunAttributeType.ReservationToken: w.AddReservationToken(expected); break;
                case StunAttributeType.IceControlled: w.AddIceControlled(expected); break;
                default: w.AddIceControlling(expected); break;
            }
        });
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        ulong actual = 0;
        bool found = type switch
        {
            StunAttributeType.ReservationToken => reader.TryGetReservationToken(out actual),
            StunAttributeType.IceControlled => reader.TryGetIceControlled(out actual),
            _ => reader.TryGetIceControlling(out actual),
        };
        Assert.True(found);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData((ushort)0x4000, "40 00 00 00")]
    [InlineData((ushort)0x4FFF, "4f ff 00 00")]
    public void Channel_number(ushort channel, string hexValue)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) => w.AddChannelNumber(channel));
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Assert.True(reader.TryGetAttribute(StunAttributeType.ChannelNumber, out ReadOnlySpan<byte> value));
        Assert.Equal(TestData.Hex.Parse(hexValue), value.ToArray());
        Assert.True(reader.TryGetChannelNumber(out ushort read));
        Assert.Equal(channel, read);
    }

    [Theory]
    [InlineData((byte)17, "11 00 00 00")]
    [InlineData((byte)6, "06 00 00 00")]
    public void Requested_transport(byte protocol, string hexValue)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) => w.AddRequestedTransport(protocol));
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Assert.True(reader.TryGetAttribute(StunAttributeType.RequestedTransport, out ReadOnlySpan<byte> value));
        Assert.Equal(TestData.Hex.Parse(hexValue), value.ToArray());
        Assert.True(reader.TryGetRequestedTransport(out byte read));
        Assert.Equal(protocol, read);
    }

    [Theory]
    [InlineData(StunAddressFamily.IPv4)]
    [InlineData(StunAddressFamily.IPv6)]
    public void Address_family_attributes(StunAddressFamily family)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) =>
        {
            w.AddRequestedAddressFamily(family);
            w.AddAdditionalAddressFamily(family);
        });
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Assert.True(reader.TryGetRequestedAddressFamily(out StunAddressFamily requested));
        Assert.True(reader.TryGetAdditionalAddressFamily(out StunAddressFamily additional));
        Assert.Equal(family, requested);
        Assert.Equal(family, additional);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Even_port(bool reserve)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) => w.AddEvenPort(reserve));
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Assert.True(reader.TryGetEvenPort(out bool read));
        Assert.Equal(reserve, read);
        Assert.Equal(28, message.Length); // 1-byte value padded to 4
    }

    [Theory]
    [InlineData(3, 3, 0u)]
    [InlineData(1, 4, 1400u)]
    [InlineData(127, 511, uint.MaxValue)]
    public void Icmp(int icmpType, int icmpCode, uint errorData)
    {
        byte[] message = Build(null, (ref StunMessageWriter w) => w.AddIcmp(icmpType, icmpCode, errorData));
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        Assert.True(reader.TryGetIcmp(out int t, out int c, out uint d));
        Assert.Equal((icmpType, icmpCode, errorData), (t, c, d));
    }

    [Fact]
    public void Flags_text_and_bytes()
    {
        byte[] hash = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        byte[] message = Build(null, (ref StunMessageWriter w) =>
        {
            w.AddDontFragment();
            w.AddUseCandidate();
            w.AddUserHash(hash);
            w.AddData([1, 2, 3, 4, 5]);
            w.AddAlternateDomain("turn.example.org");
            w.AddPasswordAlgorithm(StunPasswordAlgorithm.Sha256);
            w.AddPasswordAlgorithms([StunPasswordAlgorithm.Md5, StunPasswordAlgorithm.Sha256]);
            w.AddUnknownAttributes([(StunAttributeType)0x0003, (StunAttributeType)0x7777]);
        });
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(message, out StunMessageReader reader));
        Assert.True(reader.HasDontFragment());
        Assert.True(reader.HasUseCandidate());
        Assert.True(reader.TryGetUserHash(out ReadOnlySpan<byte> readHash));
        Assert.Equal(hash, readHash.ToArray());
        Assert.True(reader.TryGetData(out ReadOnlySpan<byte> data));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, data.ToArray());
        Assert.True(reader.TryGetAlternateDomain(out ReadOnlySpan<byte> domain));
        Assert.Equal("turn.example.org", Encoding.UTF8.GetString(domain));
        Assert.True(reader.TryGetPasswordAlgorithm(out StunPasswordAlgorithm algorithm));
        Assert.Equal(StunPasswordAlgorithm.Sha256, algorithm);
        var algorithms = new StunPasswordAlgorithm[4];
        Assert.Equal(2, reader.GetPasswordAlgorithms(algorithms));
        Assert.Equal([StunPasswordAlgorithm.Md5, StunPasswordAlgorithm.Sha256], algorithms[..2]);
        var unknown = new StunAttributeType[4];
        Assert.Equal(2, reader.GetUnknownAttributes(unknown));
        Assert.Equal([(StunAttributeType)0x0003, (StunAttributeType)0x7777], unknown[..2]);
    }

    [Fact]
    public void Several_xor_peer_addresses_are_all_returned()
    {
        TransportAddress.TryParse("198.51.100.1:1000", out TransportAddress a);
        TransportAddress.TryParse("[2001:db8::2]:2000", out TransportAddress b);
        byte[] message = Build(null, (ref StunMessageWriter w) =>
        {
            w.AddXorPeerAddress(a);
            w.AddLifetime(1);
            w.AddXorPeerAddress(b);
        });
        StunMessageReader.TryParse(message, out StunMessageReader reader);
        var peers = new TransportAddress[4];
        Assert.Equal(2, reader.GetXorAddresses(StunAttributeType.XorPeerAddress, peers));
        Assert.Equal([a, b], peers[..2]);
    }

    [Theory]
    [InlineData("00 01 00 00 01 02")] // IPv4 cut short
    [InlineData("00 03 00 00 01 02 03 04")] // unknown family
    [InlineData("00 02 00 00 01 02 03 04")] // IPv6 too short
    public void Malformed_address_values_are_rejected(string hexValue)
    {
        byte[] value = TestData.Hex.Parse(hexValue);
        Assert.False(StunAttributeDecoder.TryReadAddress(value, out _));
        Assert.False(StunAttributeDecoder.TryReadXorAddress(value, new byte[12], out _));
    }

    internal delegate void WriteAction(ref StunMessageWriter writer);

    internal static byte[] Build(byte[]? transactionId, WriteAction write)
    {
        var buffer = new byte[2048];
        var writer = transactionId is null
            ? new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.NewRandom())
            : new StunMessageWriter(buffer, StunMessageType.BindingRequest, transactionId);
        write(ref writer);
        Assert.True(writer.TryComplete(out int length));
        return buffer[..length];
    }
}
