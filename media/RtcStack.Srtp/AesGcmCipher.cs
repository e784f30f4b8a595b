using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RtcStack.Srtp;

/// <summary>
/// AEAD_AES_128_GCM / AEAD_AES_256_GCM for SRTP and SRTCP (RFC 7714 §8-§10) with a 16-byte tag. Reuses one
/// <see cref="AesGcm"/>; allocates nothing per packet (an authentication failure costs one caught exception).
/// </summary>
internal sealed class AesGcmCipher : ISrtpCipher
{
    private const int TagLength = 16;

    private readonly AesGcm _gcm;
    private readonly byte[] _salt = new byte[12];

    public AesGcmCipher(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> sessionSalt)
    {
        _gcm = new AesGcm(sessionKey, TagLength);
        sessionSalt[..12].CopyTo(_salt);
    }

    public int RtpTagLength => TagLength;

    public int RtcpTagLength => TagLength;

    public int RtcpIndexOffsetFromEnd => 4;

    /// <summary>Derives SRTP (<paramref name="rtcp"/> false) or SRTCP session key and salt (RFC 7714 §11).</summary>
    public static AesGcmCipher FromMaster(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool rtcp)
    {
        Span<byte> key = stackalloc byte[masterKey.Length];
        Span<byte> salt = stackalloc byte[12];
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.SrtcpEncryption : SrtpKeyDerivation.SrtpEncryption, key);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, rtcp ? SrtpKeyDerivation.SrtcpSalt : SrtpKeyDerivation.SrtpSalt, salt);
        var cipher = new AesGcmCipher(key, salt);
        CryptographicOperations.ZeroMemory(key);
        return cipher;
    }

    public void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint roc)
    {
        Span<byte> nonce = stackalloc byte[12];
        BuildRtpNonce(nonce, ssrc, roc, BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        var payload = packet[headerLength..length];
        _gcm.Encrypt(nonce, payload, payload, packet.Slice(length, TagLength), packet[..headerLength]);
    }

    public bool UnprotectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, uint roc)
    {
        Span<byte> nonce = stackalloc byte[12];
        BuildRtpNonce(nonce, ssrc, roc, BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        var payload = packet[headerLength..payloadEnd];
        return TryDecrypt(nonce, payload, packet.Slice(payloadEnd, TagLength), packet[..headerLength]);
    }

    public void ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        // RFC 7714 §9.1 / §17: header(8) | ciphertext | tag | E + SRTCP index; AAD = header || E + index.
        Span<byte> nonce = stackalloc byte[12];
        BuildRtcpNonce(nonce, ssrc, index);
        Span<byte> aad = stackalloc byte[12];
        packet[..8].CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad[8..], 0x8000_0000u | index);
        var body = packet[8..length];
        _gcm.Encrypt(nonce, body, body, packet.Slice(length, TagLength), aad);
        aad[8..].CopyTo(packet[(length + TagLength)..]);
    }

    public bool UnprotectRtcp(Span<byte> packet, int bodyEnd, uint ssrc, uint index, bool encrypted)
    {
        Span<byte> nonce = stackalloc byte[12];
        BuildRtcpNonce(nonce, ssrc, index);
        var tag = packet.Slice(bodyEnd, TagLength);
        var trailer = packet.Slice(bodyEnd + TagLength, 4);
        if (encrypted)
        {
            Span<byte> aad = stackalloc byte[12];
            packet[..8].CopyTo(aad);
            trailer.CopyTo(aad[8..]);
            return TryDecrypt(nonce, packet[8..bodyEnd], tag, aad);
        }

        // E = 0 (RFC 7714 §9.2): the whole RTCP packet and the trailer are AAD, nothing is encrypted.
        var aadLength = bodyEnd + 4;
        var rented = ArrayPool<byte>.Shared.Rent(aadLength);
        try
        {
            packet[..bodyEnd].CopyTo(rented);
            trailer.CopyTo(rented.AsSpan(bodyEnd));
            return TryDecrypt(nonce, Span<byte>.Empty, tag, rented.AsSpan(0, aadLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public void Dispose() => _gcm.Dispose();

    /// <summary>IV = (0x0000 || SSRC || ROC || SEQ) XOR salt (RFC 7714 §8.1).</summary>
    private void BuildRtpNonce(Span<byte> nonce, uint ssrc, uint roc, ushort sequence)
    {
        nonce[0] = 0;
        nonce[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[6..], roc);
        BinaryPrimitives.WriteUInt16BigEndian(nonce[10..], sequence);
        XorSalt(nonce);
    }

    /// <summary>IV = (0x0000 || SSRC || 0x0000 || 0 || SRTCP index) XOR salt (RFC 7714 §9.1).</summary>
    private void BuildRtcpNonce(Span<byte> nonce, uint ssrc, uint index)
    {
        nonce[0] = 0;
        nonce[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        nonce[6] = 0;
        nonce[7] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], index & 0x7FFF_FFFF);
        XorSalt(nonce);
    }

    private void XorSalt(Span<byte> nonce)
    {
        for (var i = 0; i < 12; i++)
        {
            nonce[i] ^= _salt[i];
        }
    }

    private bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        try
        {
            _gcm.Decrypt(nonce, data, tag, data, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
