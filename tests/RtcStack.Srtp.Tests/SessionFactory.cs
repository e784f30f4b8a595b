namespace RtcStack.Srtp.Tests;

internal static class SessionFactory
{
    public static readonly SrtpProfile[] Profiles =
    [
        SrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.Aes128CmHmacSha1_32, SrtpProfile.AeadAes128Gcm, SrtpProfile.AeadAes256Gcm,
    ];

    /// <summary>A sender and a receiver that share keys in both directions, as two DTLS peers would.</summary>
    public static (SrtpSession Sender, SrtpSession Receiver) Pair(SrtpProfile profile, byte seed = 1)
    {
        var material = new byte[profile.GetKeyingMaterialLength()];
        for (var i = 0; i < material.Length; i++)
        {
            material[i] = (byte)((i * 31) + seed);
        }

        return (SrtpSession.CreateFromKeyingMaterial(profile, material, isDtlsClient: true),
                SrtpSession.CreateFromKeyingMaterial(profile, material, isDtlsClient: false));
    }

    public static byte[] Rtp(ushort sequence, uint ssrc, ReadOnlySpan<byte> payload, int spare = 32)
    {
        var packet = new byte[12 + payload.Length + spare];
        packet[0] = 0x80;
        packet[1] = 111;
        packet[2] = (byte)(sequence >> 8);
        packet[3] = (byte)sequence;
        packet[7] = 0x10;
        packet[8] = (byte)(ssrc >> 24);
        packet[9] = (byte)(ssrc >> 16);
        packet[10] = (byte)(ssrc >> 8);
        packet[11] = (byte)ssrc;
        payload.CopyTo(packet.AsSpan(12));
        return packet;
    }

    /// <summary>Protects an RTP packet and returns exactly the datagram.</summary>
    public static byte[] Protect(SrtpSession sender, ushort sequence, uint ssrc, ReadOnlySpan<byte> payload)
    {
        var buffer = Rtp(sequence, ssrc, payload);
        Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(buffer, 12 + payload.Length, out var length));
        return buffer[..length];
    }
}
