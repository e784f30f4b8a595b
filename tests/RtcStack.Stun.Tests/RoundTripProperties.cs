using System.Text;
using FsCheck;
using FsCheck.Xunit;

namespace RtcStack.Stun.Tests;

/// <summary>FsCheck properties: Read(Write(x)) == x for the header and the attribute families.</summary>
public sealed class RoundTripProperties
{
    [Property]
    public bool Message_type_round_trips(ushort method, byte messageClass)
    {
        var type = new StunMessageType((StunMethod)(method & 0x0FFF), (StunClass)(messageClass & 3));
        ushort wire = type.ToUInt16();
        return (wire & 0xC000) == 0 && StunMessageType.FromUInt16(wire) == type;
    }

    [Property]
    public bool Addresses_round_trip(ulong high, ulong low, ushort port, bool ipv6, byte[] transactionSeed)
    {
        TransportAddress address = ipv6 ? TransportAddress.FromIPv6(high, low, port) : TransportAddress.FromIPv4((uint)low, port);
        byte[] transactionId = new byte[12];
        (transactionSeed ?? []).AsSpan(0, Math.Min(12, transactionSeed?.Length ?? 0)).CopyTo(transactionId);
        byte[] message = AttributeTableTests.Build(transactionId, (ref StunMessageWriter w) =>
        {
            w.AddXorPeerAddress(address);
            w.AddXorRelayedAddress(address);
            w.AddXorMappedAddress(address);
            w.AddMappedAddress(address);
        });
        return StunMessageReader.TryParse(message, out StunMessageReader reader) == StunParseResult.Success
            && reader.TryGetXorPeerAddress(out TransportAddress peer) && peer == address
            && reader.TryGetXorRelayedAddress(out TransportAddress relayed) && relayed == address
            && reader.TryGetXorMappedAddress(out TransportAddress mapped) && mapped == address
            && reader.TryGetMappedAddress(out TransportAddress plain) && plain == address
            && reader.TransactionIdBytes.SequenceEqual(transactionId);
    }

    [Property]
    public bool Text_values_and_integrity_round_trip(NonNull<string> username, NonNull<string> realm, byte[] nonce, byte[] data, byte[] key, uint lifetime)
    {
        nonce ??= [];
        data ??= [];
        key ??= [];
        byte[] message = AttributeTableTests.Build(null, (ref StunMessageWriter w) =>
        {
            w.AddUsername(username.Get);
            w.AddRealm(realm.Get);
            w.AddNonce(nonce);
            w.AddData(data);
            w.AddLifetime(lifetime);
            w.AddMessageIntegrity(key);
            w.AddMessageIntegritySha256(key);
            w.AddFingerprint();
        });
        return StunMessageReader.TryParse(message, out StunMessageReader reader) == StunParseResult.Success
            && reader.TryGetUsername(out ReadOnlySpan<byte> u) && u.SequenceEqual(Encoding.UTF8.GetBytes(username.Get))
            && reader.TryGetRealm(out ReadOnlySpan<byte> r) && r.SequenceEqual(Encoding.UTF8.GetBytes(realm.Get))
            && reader.TryGetNonce(out ReadOnlySpan<byte> n) && n.SequenceEqual(nonce)
            && reader.TryGetData(out ReadOnlySpan<byte> d) && d.SequenceEqual(data)
            && reader.TryGetLifetime(out uint l) && l == lifetime
            && reader.VerifyMessageIntegrity(key)
            && reader.VerifyMessageIntegritySha256(key)
            && reader.VerifyFingerprint();
    }

    [Property]
    public bool Error_codes_round_trip(byte hundreds, byte units, NonNull<string> reason)
    {
        int code = (300 + (hundreds % 4 * 100)) + (units % 100);
        byte[] message = AttributeTableTests.Build(null, (ref StunMessageWriter w) => w.AddErrorCode(code, reason.Get));
        return StunMessageReader.TryParse(message, out StunMessageReader reader) == StunParseResult.Success
            && reader.TryGetErrorCode(out int read, out ReadOnlySpan<byte> phrase)
            && read == code && phrase.SequenceEqual(Encoding.UTF8.GetBytes(reason.Get));
    }

    [Property]
    public bool Channel_data_round_trips(ushort channelOffset, byte[] data, bool padded)
    {
        data ??= [];
        ushort channel = (ushort)(StunConstants.MinChannelNumber + (channelOffset % 0x1000));
        var buffer = new byte[data.Length + 8];
        return ChannelDataWriter.TryWrite(buffer, channel, data, padded, out int written)
            && ChannelDataReader.TryParse(buffer.AsSpan(0, written), out ChannelDataReader reader) == ChannelDataParseResult.Success
            && reader.ChannelNumber == channel && reader.Data.SequenceEqual(data)
            && (!padded || written % 4 == 0);
    }

    [Property]
    public bool Transport_addresses_equal_iff_bytes_equal(ulong a, ulong b, ushort port)
    {
        TransportAddress x = TransportAddress.FromIPv6(a, b, port);
        TransportAddress y = TransportAddress.FromIPv6(a, b, port);
        TransportAddress z = TransportAddress.FromIPv6(a, b ^ 1, port);
        return x == y && x.GetHashCode() == y.GetHashCode() && x != z
            && TransportAddress.FromEndPoint(x.ToEndPoint()) == x;
    }

    [Property(MaxTest = 2000)]
    public void Parsing_never_throws_for_any_bytes(byte[] bytes) => NeverThrowsTests.Probe(bytes ?? []);

    [Property(MaxTest = 2000)]
    public void Parsing_never_throws_for_stun_headed_soup(byte[] body, byte messageClass)
    {
        body ??= [];
        int length = body.Length & ~3;
        byte[] message = [0x00, (byte)(messageClass & 0x11), (byte)(length >> 8), (byte)length, 0x21, 0x12, 0xA4, 0x42, .. new byte[12], .. body.AsSpan(0, length)];
        NeverThrowsTests.Probe(message);
    }
}
