using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using RtcStack.Srtp;

namespace RtcStack.Sfu;

/// <summary>
/// SRTP that arrives before the keys are installed. The peer (DTLS client) may send media as soon as it has our
/// Finished, while our handshake worker is still between the end of the handshake and <c>OnDtlsConnected</c>;
/// the receive loop keeps up to <see cref="EarlySrtpQueue.MaxPackets"/> such datagrams
/// (<see cref="EarlySrtpQueue.MaxBytes"/> bytes) and the worker processes them, in order, while it installs
/// the keys. Hand-over: everything here runs under <c>_earlyGate</c>. The receive path uses
/// <c>_receiveSrtp</c>, which is published (still under the gate) only after the early datagrams were
/// processed, so a receive loop that finds it null waits on the gate and then decrypts after them: no two
/// threads unprotect with one session, and order is kept. Sends (<c>_srtp</c>) may start before, so handlers
/// of the early datagrams can answer. On a failed handshake or close the datagrams are dropped and the buffer
/// goes back to the pool. After connect the receive path takes no lock and allocates nothing.
/// </summary>
public sealed partial class WebRtcTransport
{
    /// <summary>The early datagrams (tests read its counters).</summary>
    internal EarlySrtpQueue EarlyPackets => _early;

    /// <summary>The receive loop found no keys: keep the datagram if the handshake still runs, else drop it.</summary>
    private bool TryHoldEarly(bool rtcp, Span<byte> datagram, [NotNullWhen(true)] out SrtpSession? srtp)
    {
        lock (_earlyGate)
        {
            srtp = _receiveSrtp;
            if (srtp is not null)
            {
                return true; // installed while we waited for the gate: decrypt after the early ones
            }
            if (_earlyOpen && Volatile.Read(ref _closed) == 0 && _early.TryAdd(rtcp, datagram))
            {
                SfuMetrics.EarlyQueued.Add(1);
            }
            else
            {
                SfuMetrics.Drop("no_keys");
            }
            return false;
        }
    }

    /// <summary>Publishes the keys: sends first, then the early datagrams in order, then the receive path.</summary>
    private bool InstallKeys(SrtpSession srtp)
    {
        lock (_earlyGate)
        {
            if (Volatile.Read(ref _closed) != 0)
            {
                srtp.Dispose(); // DisposeAsync already ran (or runs): it will not see these keys
                return false;
            }
            _srtp = srtp;
            try
            {
                for (var i = 0; i < _early.Count; i++)
                {
                    var datagram = _early.Get(i, out var rtcp);
                    UnprotectEarly(srtp, rtcp, datagram);
                }
            }
            finally
            {
                _early.Clear();
                _earlyOpen = false;
                Volatile.Write(ref _receiveSrtp, srtp);
            }
            return true;
        }
    }

    private void UnprotectEarly(SrtpSession srtp, bool rtcp, Span<byte> datagram)
    {
        try
        {
            Unprotect(srtp, rtcp, datagram);
        }
#pragma warning disable CA1031 // as on the receive loop: a handler's fault costs the packet, not the transport
        catch (Exception e)
#pragma warning restore CA1031
        {
            SfuMetrics.Drop("handler_error");
            LogEarlyHandlerError(_logger, e);
        }
    }

    /// <summary>The handshake failed or the transport closes: the early datagrams are dropped and counted.</summary>
    private void DiscardEarly()
    {
        lock (_earlyGate)
        {
            _earlyOpen = false;
            var dropped = _early.Clear();
            if (dropped > 0)
            {
                SfuMetrics.Drop("early_discarded", dropped);
            }
        }
    }

    [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "A handler failed on an early SRTP packet")]
    private static partial void LogEarlyHandlerError(ILogger logger, Exception exception);
}
