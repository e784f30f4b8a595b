using FsCheck.Xunit;

namespace RtcStack.Srtp.Tests;

public sealed class SrtpSessionTests
{
    public static TheoryData<SrtpProfile> AllProfiles => new(SessionFactory.Profiles);

    [Property(MaxTest = 200)]
    public bool Rtp_round_trip(byte[] payload, ushort sequence, uint ssrc, int profileIndex)
    {
        var profile = SessionFactory.Profiles[(profileIndex & 0x7FFF_FFFF) % 4];
        var (sender, receiver) = SessionFactory.Pair(profile);
        using (sender)
        using (receiver)
        {
            var wire = SessionFactory.Protect(sender, sequence, ssrc, payload);
            var result = receiver.UnprotectRtp(wire, out var length);
            return result == SrtpResult.Ok && wire.AsSpan(0, length).SequenceEqual(SessionFactory.Rtp(sequence, ssrc, payload, spare: 0))
                && wire.Length == 12 + payload.Length + profile.GetSrtpOverhead();
        }
    }

    [Property(MaxTest = 200)]
    public bool Rtcp_round_trip(byte[] body, uint ssrc, int profileIndex)
    {
        var profile = SessionFactory.Profiles[(profileIndex & 0x7FFF_FFFF) % 4];
        var (sender, receiver) = SessionFactory.Pair(profile);
        using (sender)
        using (receiver)
        {
            var words = body.Length / 4;
            var plain = new byte[8 + (words * 4)];
            plain[0] = 0x80;
            plain[1] = 201;
            plain[3] = (byte)(words + 1);
            plain[4] = (byte)(ssrc >> 24);
            plain[7] = (byte)ssrc;
            body.AsSpan(0, words * 4).CopyTo(plain.AsSpan(8));
            var buffer = new byte[plain.Length + sender.RtcpOverhead];
            plain.CopyTo(buffer, 0);
            if (sender.ProtectRtcp(buffer, plain.Length, out var protectedLength) != SrtpResult.Ok)
            {
                return false;
            }

            var wire = buffer[..protectedLength];
            return receiver.UnprotectRtcp(wire, out var length) == SrtpResult.Ok && wire.AsSpan(0, length).SequenceEqual(plain);
        }
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Replayed_and_too_old_packets_are_rejected(SrtpProfile profile)
    {
        var (sender, receiver) = SessionFactory.Pair(profile);
        using (sender)
        using (receiver)
        {
            var wires = new List<byte[]>();
            for (ushort seq = 0; seq < 200; seq++)
            {
                wires.Add(SessionFactory.Protect(sender, seq, 42, [(byte)seq]));
            }

            // Deliver all but 150, then out of order within the window.
            for (var i = 0; i < 200; i++)
            {
                if (i != 150)
                {
                    Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(wires[i].ToArray(), out _));
                }
            }

            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(wires[150].ToArray(), out _));
            Assert.Equal(SrtpResult.Replayed, receiver.UnprotectRtp(wires[150].ToArray(), out _));
            Assert.Equal(SrtpResult.Replayed, receiver.UnprotectRtp(wires[199].ToArray(), out _));
            Assert.Equal(SrtpResult.Replayed, receiver.UnprotectRtp(wires[10].ToArray(), out _)); // 189 behind: too old
        }
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Rollover_counter_follows_a_sequence_wrap_with_reordering(SrtpProfile profile)
    {
        var (sender, receiver) = SessionFactory.Pair(profile);
        using (sender)
        using (receiver)
        {
            // Three full cycles of 16-bit sequence numbers in steps of 1000, so the ROC reaches 3.
            var sent = new List<(ushort Seq, byte[] Wire)>();
            for (var n = 0; n < 200; n++)
            {
                var seq = (ushort)(65000 + (n * 1000));
                sent.Add((seq, SessionFactory.Protect(sender, seq, 7, [(byte)n])));
            }

            foreach (var (_, wire) in sent)
            {
                Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(wire, out var length));
                Assert.Equal(12 + 1, length);
            }

            // Across one wrap, delivered late: 65534, 65535 sent before 0, 1 but received after.
            var late = new[] { (ushort)65533, (ushort)65534, (ushort)65535, (ushort)0, (ushort)1 }
                .Select(seq => (seq, wire: SessionFactory.Protect(sender, seq, 9, [1, 2, 3]))).ToArray();
            foreach (var i in new[] { 2, 3, 4, 1, 0 })
            {
                Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(late[i].wire, out _));
            }
        }
    }

    [Fact]
    public void Keying_material_split_makes_client_and_server_mirror_images()
    {
        var (client, server) = SessionFactory.Pair(SrtpProfile.AeadAes128Gcm);
        using (client)
        using (server)
        {
            var fromServer = SessionFactory.Protect(server, 5, 1, [9, 9]);
            Assert.Equal(SrtpResult.Ok, client.UnprotectRtp(fromServer, out _));

            // The same session cannot read its own output: directions use different keys.
            var own = SessionFactory.Protect(client, 6, 1, [9, 9]);
            Assert.Equal(SrtpResult.AuthFailed, client.UnprotectRtp(own, out _));
        }
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void Tampering_fails_authentication_and_does_not_poison_state(SrtpProfile profile)
    {
        var (sender, receiver) = SessionFactory.Pair(profile);
        using (sender)
        using (receiver)
        {
            var good = SessionFactory.Protect(sender, 100, 3, [1, 2, 3, 4]);
            for (var i = 0; i < good.Length; i++)
            {
                var bad = good.ToArray();
                bad[i] ^= 0x01;
                var result = receiver.UnprotectRtp(bad, out _);
                Assert.True(result is SrtpResult.AuthFailed or SrtpResult.Malformed or SrtpResult.Replayed, $"byte {i}: {result}");
            }

            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(good, out _));
        }
    }

    [Fact]
    public void Buffer_without_room_for_the_tag_is_refused()
    {
        var (sender, receiver) = SessionFactory.Pair(SrtpProfile.Aes128CmHmacSha1_80);
        using (sender)
        using (receiver)
        {
            var packet = SessionFactory.Rtp(1, 1, [1, 2, 3], spare: 9);
            Assert.Equal(SrtpResult.BufferTooSmall, sender.ProtectRtp(packet, 15, out _));
            Assert.Equal(SrtpResult.Malformed, sender.ProtectRtp(packet, 11, out _));
            Assert.Equal(SrtpResult.Malformed, sender.ProtectRtp(packet, packet.Length + 1, out _));
        }
    }

    [Fact]
    public void Inbound_streams_are_bounded_and_created_only_after_authentication()
    {
        var material = new byte[SrtpProfile.AeadAes128Gcm.GetKeyingMaterialLength()];
        using var sender = SrtpSession.CreateFromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, true, maxStreams: 4);
        using var receiver = SrtpSession.CreateFromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, false, maxStreams: 2);
        var forged = SessionFactory.Protect(sender, 1, 77, [1]);
        forged[^1] ^= 1;
        Assert.Equal(SrtpResult.AuthFailed, receiver.UnprotectRtp(forged, out _));
        Assert.Equal(0, receiver.InboundStreamCount);

        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(SessionFactory.Protect(sender, 1, 1, [1]), out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(SessionFactory.Protect(sender, 1, 2, [1]), out _));
        Assert.Equal(SrtpResult.TooManyStreams, receiver.UnprotectRtp(SessionFactory.Protect(sender, 1, 3, [1]), out _));
        Assert.Equal(2, receiver.InboundStreamCount);
    }

    [Fact]
    public void Disposed_session_returns_disposed()
    {
        var (sender, receiver) = SessionFactory.Pair(SrtpProfile.AeadAes256Gcm);
        var wire = SessionFactory.Protect(sender, 1, 1, [1]);
        sender.Dispose();
        receiver.Dispose();
        Assert.Equal(SrtpResult.Disposed, receiver.UnprotectRtp(wire, out _));
        Assert.Equal(SrtpResult.Disposed, sender.ProtectRtp(SessionFactory.Rtp(2, 1, [1]), 13, out _));
    }

    [Fact]
    public void Wrong_key_lengths_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => SrtpSession.Create(SrtpProfile.AeadAes128Gcm, new byte[16], new byte[14], new byte[16], new byte[12]));
        Assert.Throws<ArgumentException>(() => SrtpSession.CreateFromKeyingMaterial(SrtpProfile.Aes128CmHmacSha1_80, new byte[56], true));
        Assert.Throws<ArgumentOutOfRangeException>(() => SrtpSession.Create((SrtpProfile)5, new byte[16], new byte[14], new byte[16], new byte[14]));
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1_80, 60, 10, 14)]
    [InlineData(SrtpProfile.Aes128CmHmacSha1_32, 60, 4, 14)]
    [InlineData(SrtpProfile.AeadAes128Gcm, 56, 16, 20)]
    [InlineData(SrtpProfile.AeadAes256Gcm, 88, 16, 20)]
    public void Profile_lengths_follow_rfc_5764_and_7714(SrtpProfile profile, int material, int rtpOverhead, int rtcpOverhead)
    {
        Assert.Equal(material, profile.GetKeyingMaterialLength());
        Assert.Equal(rtpOverhead, profile.GetSrtpOverhead());
        Assert.Equal(rtcpOverhead, profile.GetSrtcpOverhead());
    }
}
