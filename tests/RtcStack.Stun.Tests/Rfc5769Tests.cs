using System.Text;
using RtcStack.Stun.Tests.TestData;

namespace RtcStack.Stun.Tests;

/// <summary>RFC 5769 vectors, parsed and produced byte for byte.</summary>
public sealed class Rfc5769Tests
{
    private static readonly byte[] ShortTermKey = Encoding.UTF8.GetBytes(Rfc5769.ShortTermPassword);
    private static readonly TransactionId VectorTransactionId = new(Convert.FromHexString("b7e7a701bc34d686fa87dfae"));

    [Fact]
    public void SampleRequest_parses_and_verifies()
    {
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(Rfc5769.SampleRequest, out StunMessageReader reader));
        Assert.Equal(StunMethod.Binding, reader.Method);
        Assert.Equal(StunClass.Request, reader.Class);
        Assert.Equal(VectorTransactionId, reader.TransactionId);
        Assert.True(reader.TryGetSoftware(out ReadOnlySpan<byte> software));
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(software));
        Assert.True(reader.TryGetPriority(out uint priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(reader.TryGetIceControlled(out ulong tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.True(reader.TryGetUsername(out ReadOnlySpan<byte> username));
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(username));
        Assert.True(reader.VerifyMessageIntegrity(ShortTermKey));
        Assert.False(reader.VerifyMessageIntegrity("wrong"u8));
        Assert.True(reader.VerifyFingerprint());
        Assert.Equal(0, reader.GetUnknownComprehensionRequired([]));
    }

    [Fact]
    public void SampleRequest_is_produced_byte_for_byte()
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, VectorTransactionId) { PaddingByte = 0x20 };
        writer.AddSoftware("STUN test client");
        writer.AddPriority(0x6e0001ff);
        writer.AddIceControlled(0x932ff9b151263b36);
        writer.AddUsername("evtj:h6vY");
        writer.AddMessageIntegrity(ShortTermKey);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out int length));
        Assert.Equal(Rfc5769.SampleRequest, buffer[..length]);
    }

    [Fact]
    public void IPv4Response_parses_and_is_produced()
    {
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(Rfc5769.SampleIPv4Response, out StunMessageReader reader));
        Assert.Equal(StunMessageType.BindingSuccess, reader.MessageType);
        Assert.True(reader.TryGetXorMappedAddress(out TransportAddress mapped));
        Assert.Equal("192.0.2.1:32853", mapped.ToString());
        Assert.True(reader.VerifyMessageIntegrity(ShortTermKey));
        Assert.True(reader.VerifyFingerprint());

        Assert.Equal(Rfc5769.SampleIPv4Response, Produce(mapped));
    }

    [Fact]
    public void IPv6Response_parses_and_is_produced()
    {
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(Rfc5769.SampleIPv6Response, out StunMessageReader reader));
        Assert.True(reader.TryGetXorMappedAddress(out TransportAddress mapped));
        Assert.Equal("[2001:db8:1234:5678:11:2233:4455:6677]:32853", mapped.ToString());
        Assert.True(reader.VerifyMessageIntegrity(ShortTermKey));
        Assert.True(reader.VerifyFingerprint());

        Assert.Equal(Rfc5769.SampleIPv6Response, Produce(mapped));
    }

    [Fact]
    public void LongTermRequest_parses_verifies_and_is_produced()
    {
        byte[] key = StunCredentials.ComputeLongTermKey(Rfc5769.LongTermUsername, Rfc5769.LongTermRealm, Rfc5769.LongTermPassword);
        Assert.Equal(StunParseResult.Success, StunMessageReader.TryParse(Rfc5769.LongTermRequest, out StunMessageReader reader));
        Assert.True(reader.TryGetUsername(out ReadOnlySpan<byte> username));
        Assert.Equal(Rfc5769.LongTermUsername, Encoding.UTF8.GetString(username));
        Assert.True(reader.TryGetNonce(out ReadOnlySpan<byte> nonce));
        Assert.Equal(Rfc5769.LongTermNonce, Encoding.UTF8.GetString(nonce));
        Assert.True(reader.TryGetRealm(out ReadOnlySpan<byte> realm));
        Assert.Equal(Rfc5769.LongTermRealm, Encoding.UTF8.GetString(realm));
        Assert.False(reader.HasFingerprint);
        Assert.True(reader.VerifyMessageIntegrity(key));
        Assert.False(reader.VerifyMessageIntegrity(StunCredentials.ComputeLongTermKey(Rfc5769.LongTermUsername, Rfc5769.LongTermRealm, "thematrix")));

        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, reader.TransactionIdBytes);
        writer.AddUsername(Rfc5769.LongTermUsername);
        writer.AddNonce(Rfc5769.LongTermNonce);
        writer.AddRealm(Rfc5769.LongTermRealm);
        writer.AddMessageIntegrity(key);
        Assert.True(writer.TryComplete(out int length));
        Assert.Equal(Rfc5769.LongTermRequest, buffer[..length]);
    }

    [Fact]
    public void Flipping_any_covered_bit_breaks_integrity_or_fingerprint()
    {
        for (int i = 0; i < Rfc5769.SampleRequest.Length; i++)
        {
            byte[] copy = (byte[])Rfc5769.SampleRequest.Clone();
            copy[i] ^= 0x01;
            if (StunMessageReader.TryParse(copy, out StunMessageReader reader) == StunParseResult.Success)
            {
                Assert.False(reader.VerifyMessageIntegrity(ShortTermKey) && reader.VerifyFingerprint(), $"byte {i}");
            }
        }
    }

    private static byte[] Produce(TransportAddress mapped)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, VectorTransactionId) { PaddingByte = 0x20 };
        writer.AddSoftware("test vector");
        writer.AddXorMappedAddress(mapped);
        writer.AddMessageIntegrity(ShortTermKey);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out int length));
        return buffer[..length];
    }
}
