using System.Collections;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using TlsCertificateRequest = Org.BouncyCastle.Tls.CertificateRequest;

namespace RtcStack.Dtls;

/// <summary>BouncyCastle DTLS 1.2 server with use_srtp, client certificate required and checked against SDP.</summary>
internal sealed class SrtpDtlsServer(DtlsPeerSupport support, BcTlsCrypto crypto) : DefaultTlsServer(crypto)
{
    public SrtpDtlsServer(DtlsPeerSupport support) : this(support, new BcTlsCrypto(new SecureRandom()))
    {
    }

    public override bool IgnoreCorruptDtlsRecords => true;

    public override bool RequiresExtendedMasterSecret() => true;

    public override int GetHandshakeTimeoutMillis() => support.HandshakeTimeoutMillis;

    public override int GetHandshakeResendTimeMillis() => support.HandshakeResendTimeMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => DtlsPeerSupport.SupportedVersions();

    protected override int[] GetSupportedCipherSuites() => DtlsPeerSupport.CipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => support.Signer(m_context, crypto);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        var useSrtp = TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
        support.Profile = useSrtp is null ? DtlsSrtpProfile.None : support.Choose(useSrtp.ProtectionProfiles);
        if (support.Profile == DtlsSrtpProfile.None)
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        var extensions = base.GetServerExtensions();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([(int)support.Profile], TlsUtilities.EmptyBytes));
        return extensions;
    }

    public override TlsCertificateRequest GetCertificateRequest() =>
        new([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign],
            TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);

    public override void NotifyClientCertificate(Certificate clientCertificate) => support.VerifyRemote(clientCertificate);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        support.ExportKeys(m_context);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause) =>
        support.OnAlertRaised(alertDescription);

    public override void NotifyAlertReceived(short alertLevel, short alertDescription) => support.OnAlertReceived(alertDescription);
}
