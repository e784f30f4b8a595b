namespace RtcStack.Srtp;

/// <summary>
/// An SRTP/SRTCP session (RFC 3711, RFC 7714) for one DTLS-SRTP association: an outbound direction keyed with the
/// local master key and salt, an inbound direction keyed with the remote ones, and per-SSRC state in each.
/// </summary>
/// <remarks>
/// <para>Creating one from DTLS (RFC 5764 §4.2): export <see cref="SrtpProfileExtensions.GetKeyingMaterialLength"/> bytes
/// with the label "EXTRACTOR-dtls_srtp" and no context; the material is client_write_key | server_write_key |
/// client_write_salt | server_write_salt. The DTLS client's local key is the client write key; the server's is the
/// server write key. <see cref="CreateFromKeyingMaterial"/> does that split; <see cref="Create"/> takes the halves.</para>
/// <para>All methods work in place on the caller's buffer, allocate nothing in steady state and never throw on bad
/// packets: the outcome is an <see cref="SrtpResult"/>. Protect calls are serialized among themselves, as are unprotect
/// calls; a send loop and a receive loop can use one session concurrently.</para>
/// <para>Retransmitting a packet with an index already sent is allowed (the same plaintext gives the same ciphertext);
/// sending different data under a reused SSRC and sequence number breaks the cipher and is the caller's bug.</para>
/// </remarks>
public sealed class SrtpSession : IDisposable
{
    /// <summary>Default bound on SSRCs tracked per direction.</summary>
    public const int DefaultMaxStreams = 1024;

    private readonly SrtpDirection _outbound;
    private readonly SrtpDirection _inbound;

    internal SrtpSession(SrtpProfile profile, SrtpDirection outbound, SrtpDirection inbound)
    {
        Profile = profile;
        _outbound = outbound;
        _inbound = inbound;
    }

    /// <summary>The protection profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Bytes <see cref="ProtectRtp"/> appends: leave this much room after the RTP packet.</summary>
    public int RtpOverhead => Profile.GetSrtpOverhead();

    /// <summary>Bytes <see cref="ProtectRtcp"/> appends: leave this much room after the RTCP packet.</summary>
    public int RtcpOverhead => Profile.GetSrtcpOverhead();

    /// <summary>SSRCs seen on the inbound side (authenticated packets only).</summary>
    public int InboundStreamCount => _inbound.StreamCount;

    internal SrtpDirection Outbound => _outbound;

    internal SrtpDirection Inbound => _inbound;

    /// <summary>
    /// Creates a session from master keys and salts (RFC 3711 §8.2 with key derivation rate 0). Key and salt lengths
    /// must match <paramref name="profile"/> (<see cref="SrtpProfileExtensions.GetMasterKeyLength"/>,
    /// <see cref="SrtpProfileExtensions.GetMasterSaltLength"/>); otherwise <see cref="ArgumentException"/>.
    /// </summary>
    public static SrtpSession Create(
        SrtpProfile profile,
        ReadOnlySpan<byte> localMasterKey,
        ReadOnlySpan<byte> localMasterSalt,
        ReadOnlySpan<byte> remoteMasterKey,
        ReadOnlySpan<byte> remoteMasterSalt,
        int maxStreams = DefaultMaxStreams)
    {
        if (!profile.IsSupported())
        {
            throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP protection profile.");
        }

        CheckLength(localMasterKey, profile.GetMasterKeyLength(), nameof(localMasterKey));
        CheckLength(localMasterSalt, profile.GetMasterSaltLength(), nameof(localMasterSalt));
        CheckLength(remoteMasterKey, profile.GetMasterKeyLength(), nameof(remoteMasterKey));
        CheckLength(remoteMasterSalt, profile.GetMasterSaltLength(), nameof(remoteMasterSalt));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStreams, 1);
        var outbound = CreateDirection(profile, localMasterKey, localMasterSalt, maxStreams);
        var inbound = CreateDirection(profile, remoteMasterKey, remoteMasterSalt, maxStreams);
        return new SrtpSession(profile, outbound, inbound);
    }

    /// <summary>
    /// Creates a session from the DTLS-SRTP exported keying material (RFC 5764 §4.2), splitting it into client and
    /// server halves. <paramref name="isDtlsClient"/> is this endpoint's DTLS role (from a=setup: active = client).
    /// </summary>
    public static SrtpSession CreateFromKeyingMaterial(SrtpProfile profile, ReadOnlySpan<byte> keyingMaterial, bool isDtlsClient, int maxStreams = DefaultMaxStreams)
    {
        if (!profile.IsSupported())
        {
            throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP protection profile.");
        }

        CheckLength(keyingMaterial, profile.GetKeyingMaterialLength(), nameof(keyingMaterial));
        var keyLength = profile.GetMasterKeyLength();
        var saltLength = profile.GetMasterSaltLength();
        var clientKey = keyingMaterial[..keyLength];
        var serverKey = keyingMaterial.Slice(keyLength, keyLength);
        var clientSalt = keyingMaterial.Slice(2 * keyLength, saltLength);
        var serverSalt = keyingMaterial.Slice((2 * keyLength) + saltLength, saltLength);
        return isDtlsClient
            ? Create(profile, clientKey, clientSalt, serverKey, serverSalt, maxStreams)
            : Create(profile, serverKey, serverSalt, clientKey, clientSalt, maxStreams);
    }

    /// <summary>
    /// Encrypts and authenticates the RTP packet in <paramref name="buffer"/>[..<paramref name="length"/>] in place,
    /// appending the tag; <paramref name="buffer"/> must have <see cref="RtpOverhead"/> spare bytes after it.
    /// </summary>
    public SrtpResult ProtectRtp(Span<byte> buffer, int length, out int protectedLength)
        => _outbound.ProtectRtp(buffer, length, out protectedLength);

    /// <summary>
    /// Authenticates and decrypts the SRTP packet (exactly the received datagram) in place; on
    /// <see cref="SrtpResult.Ok"/> the RTP packet is <paramref name="packet"/>[..<paramref name="length"/>].
    /// </summary>
    public SrtpResult UnprotectRtp(Span<byte> packet, out int length)
        => _inbound.UnprotectRtp(packet, out length);

    /// <summary>Protects a (compound) RTCP packet in place; leave <see cref="RtcpOverhead"/> spare bytes.</summary>
    public SrtpResult ProtectRtcp(Span<byte> buffer, int length, out int protectedLength)
        => _outbound.ProtectRtcp(buffer, length, out protectedLength);

    /// <summary>Authenticates and decrypts an SRTCP packet in place.</summary>
    public SrtpResult UnprotectRtcp(Span<byte> packet, out int length)
        => _inbound.UnprotectRtcp(packet, out length);

    /// <summary>Releases the ciphers; later calls return <see cref="SrtpResult.Disposed"/>.</summary>
    public void Dispose()
    {
        _outbound.Dispose();
        _inbound.Dispose();
    }

    internal static SrtpDirection CreateDirection(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, int maxStreams)
    {
        ISrtpCipher rtp;
        ISrtpCipher rtcp;
        if (profile.IsAead())
        {
            rtp = AesGcmCipher.FromMaster(masterKey, masterSalt, rtcp: false);
            rtcp = AesGcmCipher.FromMaster(masterKey, masterSalt, rtcp: true);
        }
        else
        {
            rtp = AesCmHmacSha1Cipher.FromMaster(masterKey, masterSalt, rtcp: false, profile.GetSrtpOverhead());
            rtcp = AesCmHmacSha1Cipher.FromMaster(masterKey, masterSalt, rtcp: true, profile.GetSrtpOverhead());
        }

        return new SrtpDirection(rtp, rtcp, maxStreams);
    }

    private static void CheckLength(ReadOnlySpan<byte> value, int expected, string name)
    {
        if (value.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} bytes, got {value.Length}.", name);
        }
    }
}
