using RtcStack.Rtp;

namespace RtcStack.Srtp.Tests;

/// <summary>
/// The SFU hot path end to end: unprotect from the producer's session, rewrite the header for the consumer,
/// protect with the consumer's session; the consumer's browser side must read it back. Allocates nothing.
/// </summary>
public sealed class ForwardingPathTests
{
    [Theory]
    [InlineData(SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80)]
    [InlineData(SrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.AeadAes256Gcm)]
    public void Unprotect_rewrite_protect_round_trip_without_allocation(SrtpProfile producerProfile, SrtpProfile consumerProfile)
    {
        var (producerBrowser, producerSide) = SessionFactory.Pair(producerProfile, seed: 3);
        var (consumerSide, consumerBrowser) = SessionFactory.Pair(consumerProfile, seed: 9);
        using (producerBrowser)
        using (producerSide)
        using (consumerSide)
        using (consumerBrowser)
        {
            var buffer = new byte[1500];
            var payload = new byte[1100];
            new Random(5).NextBytes(payload);
            var failures = 0;

            bool Forward(ushort seq)
            {
                // Browser → SFU: a VP8-sized packet with a transport-wide sequence number extension (id 3).
                var writer = new RtpPacketWriter(buffer);
                var length = 0;
                var ok = writer.TryWriteHeader(seq % 30 == 0, 96, seq, seq * 3000u, 0xAAAA0001)
                    && writer.TryAddExtension(3, [(byte)(seq >> 8), (byte)seq])
                    && writer.TryWritePayload(payload)
                    && writer.TryFinish(out length);
                ok &= producerBrowser.ProtectRtp(buffer, length, out var wire) == SrtpResult.Ok;

                // SFU: unprotect, rewrite for the consumer, protect.
                ok &= producerSide.UnprotectRtp(buffer.AsSpan(0, wire), out var plain) == SrtpResult.Ok;
                var packet = buffer.AsSpan(0, plain);
                ok &= RtpPacketEditor.TrySetSsrc(packet, 0xBBBB0002)
                    && RtpPacketEditor.TrySetSequenceNumber(packet, (ushort)(seq + 1000))
                    && RtpPacketEditor.TrySetPayloadType(packet, 100)
                    && RtpPacketEditor.TrySetExtension(packet, 3, [0x12, 0x34]);
                ok &= consumerSide.ProtectRtp(buffer, plain, out var outbound) == SrtpResult.Ok;

                // Consumer's browser.
                ok &= consumerBrowser.UnprotectRtp(buffer.AsSpan(0, outbound), out var received) == SrtpResult.Ok;
                ok &= RtpPacket.TryRead(buffer.AsSpan(0, received), out var read) == RtpReadResult.Ok
                    && read.Ssrc == 0xBBBB0002 && read.SequenceNumber == (ushort)(seq + 1000) && read.PayloadType == 100
                    && read.Payload.SequenceEqual(payload);
                return ok;
            }

            for (ushort seq = 0; seq < 100; seq++)
            {
                failures += Forward(seq) ? 0 : 1;
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (ushort seq = 100; seq < 2100; seq++)
            {
                failures += Forward(seq) ? 0 : 1;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, failures);
            Assert.Equal(0, allocated);
        }
    }
}
