using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RtcStack.Srtp;

/// <summary>
/// AES_CM_128 encryption with HMAC-SHA1 authentication (RFC 3711 §4.1.1, §4.2.1, §3.3, §3.4). SRTP tag 80 or 32 bits,
/// SRTCP tag 80 bits. Reuses one AES counter-mode engine and one incremental HMAC; allocates nothing per packet.
/// </summary>
internal sealed class AesCmHmacSha1Cipher : ISrtpCipher
{
    private const int SrtcpTagLength = 10;

    private readonly AesCounterMode _ctr;
    private readonly IncrementalHash _hmac;
    private readonly byte[] _salt = new byte[14];

    public AesCmHmacSha1Cipher(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> sessionSalt, ReadOnlySpan<byte> authKey, int rtpTagLength)
    {
        _ctr = new AesCounterMode(sessionKey);
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, authKey);
        sessionSalt.CopyTo(_salt);
        RtpTagLength = rtpTagLength;
    }

    public int RtpTagLength { get; }

    public int RtcpTagLength => SrtcpTagLength;

    public int RtcpIndexOffsetFromEnd => SrtcpTagLength + 4;

    /// <summary>Derives the session keys for SRTP (<paramref name="rtcp"/> false) or SRTCP from a master key and salt.</summary>
    public static AesCmHmacSha1Cipher FromMaster(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool rtcp, int rtpTagLength)
    {
        Span<byte> key = stackalloc byte[masterKey.Length];
        Span<byte> salt = stackalloc byte[14];
        Span<byte> auth = stackalloc byte[20];
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.SrtcpEncryption : SrtpKeyDerivation.SrtpEncryption, key);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.SrtcpSalt : SrtpKeyDerivation.SrtpSalt, salt);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.SrtcpAuthentication : SrtpKeyDerivation.SrtpAuthentication, auth);
        var cipher = new AesCmHmacSha1Cipher(key, salt, auth, rtpTagLength);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(auth);
        return cipher;
    }

    public void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint roc)
    {
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, ssrc, ((ulong)roc << 16) | BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        _ctr.Apply(iv, packet[headerLength..length]);
        WriteRtpTag(packet[..length], roc, packet.Slice(length, RtpTagLength));
    }

    public bool UnprotectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, uint roc)
    {
        Span<byte> expected = stackalloc byte[RtpTagLength];
        WriteRtpTag(packet[..payloadEnd], roc, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, packet.Slice(payloadEnd, RtpTagLength)))
        {
            return false;
        }

        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, ssrc, ((ulong)roc << 16) | BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        _ctr.Apply(iv, packet[headerLength..payloadEnd]);
        return true;
    }

    public void ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, ssrc, index);
        _ctr.Apply(iv, packet[8..length]);

        // RFC 3711 §3.4: E flag and SRTCP index follow the encrypted portion; the tag covers both.
        BinaryPrimitives.WriteUInt32BigEndian(packet[length..], 0x8000_0000u | index);
        WriteTag(packet[..(length + 4)], default, packet.Slice(length + 4, SrtcpTagLength));
    }

    public bool UnprotectRtcp(Span<byte> packet, int bodyEnd, uint ssrc, uint index, bool encrypted)
    {
        Span<byte> expected = stackalloc byte[SrtcpTagLength];
        WriteTag(packet[..(bodyEnd + 4)], default, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, packet.Slice(bodyEnd + 4, SrtcpTagLength)))
        {
            return false;
        }

        if (encrypted)
        {
            Span<byte> iv = stackalloc byte[16];
            BuildIv(iv, ssrc, index);
            _ctr.Apply(iv, packet[8..bodyEnd]);
        }

        return true;
    }

    public void Dispose()
    {
        _ctr.Dispose();
        _hmac.Dispose();
    }

    /// <summary>IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16), RFC 3711 §4.1.1.</summary>
    private void BuildIv(Span<byte> iv, uint ssrc, ulong index)
    {
        _salt.CopyTo(iv);
        iv[14] = 0;
        iv[15] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[4..], BinaryPrimitives.ReadUInt32BigEndian(iv[4..]) ^ ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(iv[8..], BinaryPrimitives.ReadUInt64BigEndian(iv[8..]) ^ (index << 16));
    }

    /// <summary>Authentication tag over the packet and the ROC (RFC 3711 §4.2: M = Authenticated Portion || ROC).</summary>
    private void WriteRtpTag(ReadOnlySpan<byte> authenticated, uint roc, Span<byte> tag)
    {
        Span<byte> rocBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);
        WriteTag(authenticated, rocBytes, tag);
    }

    private void WriteTag(ReadOnlySpan<byte> authenticated, ReadOnlySpan<byte> suffix, Span<byte> tag)
    {
        Span<byte> digest = stackalloc byte[20];
        _hmac.AppendData(authenticated);
        if (!suffix.IsEmpty)
        {
            _hmac.AppendData(suffix);
        }

        _hmac.TryGetHashAndReset(digest, out _);
        digest[..tag.Length].CopyTo(tag);
    }
}
