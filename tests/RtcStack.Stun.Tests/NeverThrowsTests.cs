using RtcStack.Stun.Tests.TestData;

namespace RtcStack.Stun.Tests;

/// <summary>"Parsing never throws for any bytes": random buffers and mutated valid messages, bounded iterations, fixed seeds.</summary>
public sealed class NeverThrowsTests
{
    private static readonly byte[][] Seeds =
    [
        Rfc5769.SampleRequest, Rfc5769.SampleIPv4Response, Rfc5769.SampleIPv6Response, Rfc5769.LongTermRequest,
        AllAttributesMessage(),
    ];

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(5769);
        for (int i = 0; i < 20_000; i++)
        {
            var buffer = new byte[random.Next(0, 200)];
            random.NextBytes(buffer);
            if (buffer.Length >= 8 && i % 2 == 0)
            {
                // Make half of them look like STUN so the attribute walk is exercised.
                buffer[0] &= 0x3F;
                buffer[2] = 0;
                buffer[3] = (byte)((buffer.Length - 20) & 0xFC);
                buffer[4] = 0x21; buffer[5] = 0x12; buffer[6] = 0xA4; buffer[7] = 0x42;
            }

            Probe(buffer);
        }
    }

    [Fact]
    public void Mutated_valid_messages_never_throw()
    {
        var random = new Random(8489);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] seed = Seeds[i % Seeds.Length];
            byte[] buffer = (byte[])seed.Clone();
            switch (i % 3)
            {
                case 0:
                    for (int k = 0; k < 1 + (i % 4); k++)
                    {
                        buffer[random.Next(buffer.Length)] = (byte)random.Next(256);
                    }

                    break;
                case 1:
                    buffer = buffer[..random.Next(buffer.Length)];
                    break;
                default:
                    // Attribute length fields are the interesting ones: overwrite one at a random 4-byte boundary.
                    int at = 20 + (4 * random.Next((buffer.Length - 20) / 4));
                    if (at + 4 <= buffer.Length)
                    {
                        buffer[at + 2] = (byte)random.Next(256);
                        buffer[at + 3] = (byte)random.Next(256);
                    }

                    break;
            }

            Probe(buffer);
        }
    }

    internal static void Probe(byte[] buffer)
    {
        StunFraming.TryGetFrameLength(buffer, out _);
        ChannelDataReader.TryParse(buffer, out _);
        if (StunMessageReader.TryParse(buffer, out StunMessageReader reader) != StunParseResult.Success)
        {
            return;
        }

        Span<TransportAddress> addresses = stackalloc TransportAddress[4];
        Span<StunAttributeType> types = stackalloc StunAttributeType[4];
        Span<StunPasswordAlgorithm> algorithms = stackalloc StunPasswordAlgorithm[4];
        foreach (StunAttribute attribute in reader.Attributes)
        {
            StunAttributeDecoder.TryReadAddress(attribute.Value, out _);
            StunAttributeDecoder.TryReadXorAddress(attribute.Value, reader.TransactionIdBytes, out _);
            StunAttributeDecoder.TryReadErrorCode(attribute.Value, out _, out _);
            StunAttributeDecoder.ReadPasswordAlgorithms(attribute.Value, algorithms);
        }

        _ = reader.TryGetXorMappedAddress(out _) | reader.TryGetXorPeerAddress(out _) | reader.TryGetXorRelayedAddress(out _)
            | reader.TryGetMappedAddress(out _) | reader.TryGetAlternateServer(out _) | reader.TryGetErrorCode(out _, out _)
            | reader.TryGetLifetime(out _) | reader.TryGetChannelNumber(out _) | reader.TryGetRequestedTransport(out _)
            | reader.TryGetRequestedAddressFamily(out _) | reader.TryGetAdditionalAddressFamily(out _)
            | reader.TryGetAddressErrorCode(out _, out _, out _) | reader.TryGetEvenPort(out _) | reader.TryGetReservationToken(out _)
            | reader.TryGetIcmp(out _, out _, out _) | reader.TryGetConnectionId(out _) | reader.TryGetPriority(out _)
            | reader.TryGetIceControlled(out _) | reader.TryGetIceControlling(out _) | reader.TryGetPasswordAlgorithm(out _)
            | reader.TryGetUserHash(out _) | reader.VerifyMessageIntegrity("k"u8) | reader.VerifyMessageIntegritySha256("k"u8)
            | reader.VerifyFingerprint();
        reader.GetXorAddresses(StunAttributeType.XorPeerAddress, addresses);
        reader.GetUnknownAttributes(types);
        reader.GetPasswordAlgorithms(algorithms);
        reader.GetUnknownComprehensionRequired(types);
    }

    private static byte[] AllAttributesMessage()
    {
        TransportAddress.TryParse("[2001:db8::1]:3478", out TransportAddress address);
        return AttributeTableTests.Build(null, (ref StunMessageWriter w) =>
        {
            w.AddXorPeerAddress(address);
            w.AddXorRelayedAddress(address);
            w.AddErrorCode(401, "Unauthenticated");
            w.AddAddressErrorCode(StunAddressFamily.IPv6, 440, "no");
            w.AddPasswordAlgorithms([StunPasswordAlgorithm.Md5, StunPasswordAlgorithm.Sha256]);
            w.AddIcmp(3, 3, 0);
            w.AddEvenPort(true);
            w.AddUnknownAttributes([(StunAttributeType)3]);
            w.AddMessageIntegrity("k"u8);
            w.AddMessageIntegritySha256("k"u8);
            w.AddFingerprint();
        });
    }
}
