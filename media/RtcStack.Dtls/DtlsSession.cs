using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Tls;

namespace RtcStack.Dtls;

/// <summary>
/// One DTLS-SRTP association (RFC 5764) on BouncyCastle. Feed every DTLS datagram from the transport's
/// receive loop to <see cref="ProcessDatagram"/>; it never throws and never blocks.
/// <para>Threads: BouncyCastle's handshake is blocking, so <see cref="HandshakeAsync"/> runs it on a
/// dedicated worker while it lasts (tens of milliseconds against a browser; bounded by
/// <see cref="MaxConcurrentHandshakes"/> and the handshake timeout). Once connected no thread is held:
/// application records are decrypted inline on the caller of <see cref="ProcessDatagram"/>, because the
/// queue transport then never blocks. So an established connection costs no thread.</para>
/// </summary>
public sealed partial class DtlsSession : IDisposable
{
    /// <summary>Handshakes that may run at once in this process; later ones wait for a slot.</summary>
    public const int MaxConcurrentHandshakes = 64;

    private static readonly SemaphoreSlim HandshakeSlots = new(MaxConcurrentHandshakes);

    private readonly DtlsPeerSupport _support;
    private readonly QueueDatagramTransport _transport;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private DtlsTransport? _dtls;
    private int _started;

    /// <summary>Creates a session. <paramref name="verifyRemoteCertificate"/> gets the peer's DER certificate.</summary>
    public DtlsSession(DtlsRole role, DtlsCertificate certificate, Func<byte[], bool> verifyRemoteCertificate,
        DtlsDatagramSender send, DtlsOptions? options = null, ILogger<DtlsSession>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Role = role;
        Options = options ?? new DtlsOptions();
        _support = new DtlsPeerSupport(certificate, verifyRemoteCertificate, Options, role);
        _transport = new QueueDatagramTransport(send, Options);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Our role.</summary>
    public DtlsRole Role { get; }

    /// <summary>The options.</summary>
    public DtlsOptions Options { get; }

    /// <summary>The current state.</summary>
    public DtlsState State { get; private set; }

    /// <summary>The SRTP keys, set when <see cref="State"/> becomes Connected.</summary>
    public SrtpKeyingMaterial? Keys => _support.Keys;

    /// <summary>Called (on the <see cref="ProcessDatagram"/> thread) for each application_data record.</summary>
    public DtlsApplicationDataHandler? ApplicationDataReceived { get; set; }

    /// <summary>Largest application payload that fits one datagram once connected, else 0.</summary>
    public int ApplicationSendLimit => _dtls?.GetSendLimit() ?? 0;

    /// <summary>Runs the handshake (once). Completes when connected or failed; never throws for protocol errors.</summary>
    public async Task<DtlsHandshakeResult> HandshakeAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The handshake was already started.");
        }
        State = DtlsState.Connecting;
        try
        {
            await HandshakeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Finish(DtlsHandshakeResult.Cancelled, 0);
        }
        try
        {
            using var registration = cancellationToken.Register(static s => ((QueueDatagramTransport)s!).Close(), _transport);
            return await Task.Factory.StartNew(RunHandshake, CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            HandshakeSlots.Release();
        }
    }

    private DtlsHandshakeResult RunHandshake()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var dtls = Role == DtlsRole.Server
                ? new DtlsServerProtocol().Accept(new SrtpDtlsServer(_support), _transport)
                : new DtlsClientProtocol().Connect(new SrtpDtlsClient(_support), _transport);
            lock (_gate)
            {
                _dtls = dtls;
                _transport.Draining = true;
                State = DtlsState.Connected;
                // Records that arrived after the peer's Finished wait in the queue: decrypt them now.
                DrainLocked(int.MaxValue);
            }
            return Finish(DtlsHandshakeResult.Connected, started);
        }
        catch (Exception e) when (e is IOException or TlsException or InvalidOperationException or ArgumentException)
        {
            return Finish(Classify(e), started);
        }
    }

    private DtlsHandshakeResult Classify(Exception e)
    {
        if (_support.RemoteCertificateRejected)
        {
            return DtlsHandshakeResult.CertificateRejected;
        }
        if (e is TlsTimeoutException)
        {
            return DtlsHandshakeResult.Timeout;
        }
        if (_support.Profile == DtlsSrtpProfile.None && e is TlsFatalAlert { AlertDescription: AlertDescription.handshake_failure or AlertDescription.illegal_parameter })
        {
            return DtlsHandshakeResult.NoCommonProfile;
        }
        return e is IOException && e is not TlsException ? DtlsHandshakeResult.Cancelled : DtlsHandshakeResult.Failed;
    }

    private DtlsHandshakeResult Finish(DtlsHandshakeResult result, long started)
    {
        var ms = started == 0 ? 0 : Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        DtlsMetrics.Handshakes.Add(1, new KeyValuePair<string, object?>("result", result.ToString()));
        if (result == DtlsHandshakeResult.Connected)
        {
            LogConnected(_logger, Role, _support.Profile, ms);
        }
        else
        {
            lock (_gate)
            {
                State = DtlsState.Failed;
            }
            _transport.Close();
            LogFailed(_logger, Role, result, _support.AlertRaised ?? -1, _support.AlertReceived ?? -1, ms);
        }
        return result;
    }

    /// <summary>
    /// Takes one received DTLS datagram. Malformed or truncated datagrams, and anything while failed or
    /// closed, are dropped and counted. Returns false when the datagram was dropped.
    /// </summary>
    public bool ProcessDatagram(ReadOnlySpan<byte> datagram)
    {
        if (DtlsRecordHeader.Validate(datagram, out var records) != DtlsRecordResult.Ok
            || datagram.Length > Options.ReceiveLimit)
        {
            DtlsMetrics.Drop("malformed");
            return false;
        }
        lock (_gate)
        {
            if (State is DtlsState.Failed or DtlsState.Closed)
            {
                DtlsMetrics.Drop("not_connected");
                return false;
            }
            if (!_transport.Enqueue(datagram))
            {
                DtlsMetrics.Drop("queue_full");
                return false;
            }
            if (State == DtlsState.Connected)
            {
                DrainLocked(records);
            }
        }
        return true;
    }

    /// <summary>Encrypts and sends one application_data record (for example an SCTP packet); false if not connected.</summary>
    public bool SendApplicationData(ReadOnlySpan<byte> data)
    {
        var dtls = _dtls;
        if (dtls is null || State != DtlsState.Connected)
        {
            DtlsMetrics.SendFailure("not_connected");
            return false;
        }
        if (data.Length > dtls.GetSendLimit())
        {
            DtlsMetrics.SendFailure("too_large");
            return false;
        }
        try
        {
            dtls.Send(data);
            return true;
        }
        catch (Exception e) when (e is IOException or TlsException or InvalidOperationException)
        {
            DtlsMetrics.SendFailure("error");
            LogSendFailed(_logger, e);
            lock (_gate)
            {
                State = DtlsState.Failed;
            }
            return false;
        }
    }

    /// <summary>Each call decrypts at most one record; non-application records are consumed inside it.</summary>
    private void DrainLocked(int records)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Options.ReceiveLimit);
        try
        {
            for (var i = 0; i < records && State == DtlsState.Connected; i++)
            {
                int n;
                try
                {
                    n = _dtls!.Receive(buffer, 0, buffer.Length, 1);
                }
                catch (Exception e) when (e is IOException or TlsException or InvalidOperationException or ArgumentException)
                {
                    State = _support.AlertReceived == AlertDescription.close_notify ? DtlsState.Closed : DtlsState.Failed;
                    DtlsMetrics.Drop("rejected");
                    return;
                }
                if (n < 0)
                {
                    break;
                }
                ApplicationDataReceived?.Invoke(buffer.AsSpan(0, n));
            }
            if (_support.AlertReceived == AlertDescription.close_notify)
            {
                State = DtlsState.Closed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends close_notify (if connected) and stops the handshake if it is running.</summary>
    public void Dispose()
    {
        DtlsTransport? dtls;
        lock (_gate)
        {
            dtls = _dtls;
            if (State is not DtlsState.Failed)
            {
                State = DtlsState.Closed;
            }
        }
        try
        {
            dtls?.Close();
        }
        catch (Exception e) when (e is IOException or TlsException)
        {
            // Closing is best effort.
        }
        _transport.Dispose();
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "DTLS {Role} connected with {Profile} in {Milliseconds:F0} ms")]
    private static partial void LogConnected(ILogger logger, DtlsRole role, DtlsSrtpProfile profile, double milliseconds);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "DTLS send failed; the session is closed")]
    private static partial void LogSendFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "DTLS {Role} handshake ended {Result} (alert raised {AlertRaised}, received {AlertReceived}) after {Milliseconds:F0} ms")]
    private static partial void LogFailed(ILogger logger, DtlsRole role, DtlsHandshakeResult result, int alertRaised, int alertReceived, double milliseconds);
}
