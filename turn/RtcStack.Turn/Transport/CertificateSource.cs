using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using RtcStack.Turn.Diagnostics;

namespace RtcStack.Turn.Transport;

/// <summary>
/// The TLS certificate from PEM files (coturn cert/pkey), reloaded without restart: at most once a second,
/// a handshake checks the files' write times and loads them again when they changed. A broken new file
/// is logged and the previous certificate kept.
/// </summary>
internal sealed class CertificateSource : IDisposable
{
    private readonly string _certFile;
    private readonly string _keyFile;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private X509Certificate2 _current;
    private SslStreamCertificateContext _context;
    private (DateTime Cert, DateTime Key) _stamps;
    private long _lastCheck;

    internal CertificateSource(string certFile, string keyFile, ILogger logger)
    {
        _certFile = certFile;
        _keyFile = keyFile;
        _logger = logger;
        _stamps = Stamps();
        _current = Load();
        _context = CreateContext(_current);
        TurnLog.CertificateLoaded(logger, certFile);
    }

    /// <summary>
    /// The certificate context to present now (reloaded first when the files changed), built once per loaded
    /// certificate rather than once per handshake (no chain building on the handshake path).
    /// </summary>
    internal SslStreamCertificateContext CurrentContext
    {
        get
        {
            lock (_lock)
            {
                CheckForChanges();
                return _context;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _current.Dispose();
        }
    }

    private void CheckForChanges()
    {
        long now = Environment.TickCount64;
        if (now - _lastCheck >= 1000)
        {
            _lastCheck = now;
            ReloadIfChanged();
        }
    }

    private static SslStreamCertificateContext CreateContext(X509Certificate2 certificate) =>
        SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);

    private void ReloadIfChanged()
    {
        (DateTime, DateTime) stamps = Stamps();
        if (stamps == _stamps)
        {
            return;
        }
        try
        {
            X509Certificate2 fresh = Load();
            _context = CreateContext(fresh);
            _current = fresh; // the old one may still be in use by a handshake; let the GC have it
            _stamps = stamps;
            TurnLog.CertificateLoaded(_logger, _certFile);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            _stamps = stamps;
            TurnLog.CertificateReloadFailed(_logger, ex, _certFile);
        }
    }

    private X509Certificate2 Load()
    {
        using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(_certFile, _keyFile);
        // Re-import so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private (DateTime, DateTime) Stamps() => (File.GetLastWriteTimeUtc(_certFile), File.GetLastWriteTimeUtc(_keyFile));
}
