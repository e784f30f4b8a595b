using System.Collections;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using TlsCertificateRequest = Org.BouncyCastle.Tls.CertificateRequest;

namespace RtcStack.Dtls;

/// <summary>BouncyCastle DTLS 1.2 client offering use_srtp; the server certificate is checked against SDP.</summary>
internal sealed class SrtpDtlsClient(DtlsPeerSupport support, BcTlsCrypto crypto) : DefaultTlsClient(crypto)
{
    public SrtpDtlsClient(DtlsPeerSupport support) : this(support, new BcTlsCrypto(new SecureRandom()))
    {
    }

    public override bool IgnoreCorruptDtlsRecords => true;

    public override bool RequiresExtendedMasterSecret() => true;

    public override int GetHandshakeTimeoutMillis() => support.HandshakeTimeoutMillis;

    public override int GetHandshakeResendTimeMillis() => support.HandshakeResendTimeMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => DtlsPeerSupport.SupportedVersions();

    protected override int[] GetSupportedCipherSuites() => DtlsPeerSupport.CipherSuites;

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        var extensions = base.GetClientExtensions();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(support.OfferedProfiles(), TlsUtilities.EmptyBytes));
        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        var useSrtp = TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        support.Profile = useSrtp is { ProtectionProfiles.Length: 1 } ? support.Choose(useSrtp.ProtectionProfiles) : DtlsSrtpProfile.None;
        if (support.Profile == DtlsSrtpProfile.None)
        {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter);
        }
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(support, this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        support.ExportKeys(m_context);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause) =>
        support.OnAlertRaised(alertDescription);

    public override void NotifyAlertReceived(short alertLevel, short alertDescription) => support.OnAlertReceived(alertDescription);

    private TlsCredentials Credentials() => support.Signer(m_context, (BcTlsCrypto)Crypto);

    private sealed class Authentication(DtlsPeerSupport support, SrtpDtlsClient client) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) =>
            support.VerifyRemote(serverCertificate.Certificate);

        public TlsCredentials GetClientCredentials(TlsCertificateRequest certificateRequest) => client.Credentials();
    }
}
