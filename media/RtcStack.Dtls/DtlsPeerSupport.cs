using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using TlsHash = Org.BouncyCastle.Tls.HashAlgorithm;

namespace RtcStack.Dtls;

/// <summary>What the BouncyCastle client and server peers share: suites, use_srtp, keys, certificate check.</summary>
internal sealed class DtlsPeerSupport(DtlsCertificate certificate, Func<byte[], bool> verifyRemote, DtlsOptions options, DtlsRole role)
{
    /// <summary>ECDHE_ECDSA suites (Chromium 156 negotiated c02b).</summary>
    public static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    ];

    public DtlsOptions Options => options;

    /// <summary>Give up the handshake after this long (<see cref="DtlsOptions.HandshakeTimeout"/>).</summary>
    public int HandshakeTimeoutMillis => (int)options.HandshakeTimeout.TotalMilliseconds;

    /// <summary>First retransmission of a flight (<see cref="DtlsOptions.InitialRetransmitTimeout"/>).</summary>
    public int HandshakeResendTimeMillis => (int)options.InitialRetransmitTimeout.TotalMilliseconds;

    public DtlsSrtpProfile Profile { get; set; }

    public SrtpKeyingMaterial? Keys { get; private set; }

    public bool RemoteCertificateRejected { get; private set; }

    public short? AlertRaised { get; set; }

    public short? AlertReceived { get; set; }

    /// <summary>DTLS 1.2 only (WebRTC, RFC 8827).</summary>
    public static ProtocolVersion[] SupportedVersions() => ProtocolVersion.DTLSv12.Only();

    /// <summary>Keeps the first alert we raised (the reason a handshake failed).</summary>
    public void OnAlertRaised(short alertDescription) => AlertRaised ??= alertDescription;

    /// <summary>Keeps the first alert the peer sent.</summary>
    public void OnAlertReceived(short alertDescription) => AlertReceived ??= alertDescription;

    public int[] OfferedProfiles() => [.. options.SrtpProfiles.Select(p => (int)p)];

    /// <summary>Picks our most preferred profile the peer also offers; None when there is none.</summary>
    public DtlsSrtpProfile Choose(int[] offered)
    {
        foreach (var p in options.SrtpProfiles)
        {
            if (offered.Contains((int)p))
            {
                return p;
            }
        }
        return DtlsSrtpProfile.None;
    }

    public TlsCredentialedSigner Signer(TlsContext context, BcTlsCrypto crypto) =>
        new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, certificate.PrivateKey,
            new Certificate([new BcTlsCertificate(crypto, certificate.Der.ToArray())]),
            new SignatureAndHashAlgorithm(TlsHash.sha256, SignatureAlgorithm.ecdsa));

    /// <summary>RFC 8122 §5 / RFC 8842 §5.1: the peer's certificate must match the fingerprint from SDP.</summary>
    public void VerifyRemote(Certificate? chain)
    {
        if (chain is null || chain.IsEmpty || !verifyRemote(chain.GetCertificateAt(0).GetEncoded()))
        {
            RemoteCertificateRejected = true;
            throw new TlsFatalAlert(AlertDescription.bad_certificate);
        }
    }

    /// <summary>RFC 5764 §4.2: export EXTRACTOR-dtls_srtp; only allowed inside NotifyHandshakeComplete.</summary>
    public void ExportKeys(TlsContext context)
    {
        if (Profile == DtlsSrtpProfile.None)
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
        var length = 2 * (SrtpKeyingMaterial.KeyLength(Profile) + SrtpKeyingMaterial.SaltLength(Profile));
        var exported = context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, length);
        Keys = SrtpKeyingMaterial.Split(Profile, exported, role);
    }
}
