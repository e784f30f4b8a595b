using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace RtcStack.Dtls;

/// <summary>
/// A self-signed ECDSA P-256 certificate for DTLS (RFC 8827 §6.5) and its SHA-256 fingerprint
/// (RFC 8122 §5). Create one per process (or per transport) with <see cref="Generate"/>.
/// </summary>
public sealed class DtlsCertificate
{
    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey)
    {
        Der = der;
        PrivateKey = privateKey;
        Sha256Fingerprint = SHA256.HashData(der);
    }

    /// <summary>The DER encoding of the certificate.</summary>
    public ReadOnlyMemory<byte> Der { get; }

    /// <summary>SHA-256 of <see cref="Der"/>.</summary>
    public ReadOnlyMemory<byte> Sha256Fingerprint { get; }

    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>The fingerprint as written in SDP: upper-case hex separated by colons (without the hash name).</summary>
    public string Sha256FingerprintHex
    {
        get
        {
            var sb = new StringBuilder(96);
            foreach (var b in Sha256Fingerprint.Span)
            {
                if (sb.Length > 0) { sb.Append(':'); }
                sb.Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }

    /// <summary>Generates a new key pair and a certificate valid from yesterday for <paramref name="validity"/>.</summary>
    public static DtlsCertificate Generate(TimeSpan? validity = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=rtcstack", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now + (validity ?? TimeSpan.FromDays(30)));
        return new DtlsCertificate(cert.RawData, PrivateKeyFactory.CreateKey(key.ExportPkcs8PrivateKey()));
    }
}
