using Microsoft.Extensions.Logging;
using RtcStack.Srtp;

namespace RtcStack.Sfu;

/// <summary>
/// SRTP that arrives before the keys are installed. The peer (DTLS client) may send media as soon as it has our
/// Finished, while our handshake worker is still between the end of the handshake and <c>OnDtlsConnected</c>;
/// the receive loops keep up to <see cref="EarlySrtpQueue.MaxPackets"/> such datagrams
/// (<see cref="EarlySrtpQueue.MaxBytes"/> bytes) and the worker processes them, in order, while it installs
/// the keys. Hand-over: everything here runs under <c>_receiveGate</c>, the lock every inbound packet of the
/// transport is handled under (UDP and ICE-TCP alike). The receive path uses <c>_receiveSrtp</c>, which is
/// published (still under the gate) only after the early datagrams were processed, so a receive loop that
/// arrives meanwhile waits on the gate and then decrypts after them: no two threads unprotect with one session,
/// and order is kept. Sends (<c>_srtp</c>) may start before, so handlers of the early datagrams can answer. On a
/// failed handshake or close the datagrams are dropped and the buffer goes back to the pool. After connect the
/// receive path allocates nothing.
/// </summary>
public sealed partial class WebRtcTransport
{
    /// <summary>The early datagrams (tests read its counters).</summary>
    internal EarlySrtpQueue EarlyPackets => _early;

    /// <summary>The receive path found no keys (caller holds the gate): keep the datagram if the handshake still runs, else drop it.</summary>
    private void HoldEarlyLocked(bool rtcp, Span<byte> datagram)
    {
        if (_earlyOpen && _early.TryAdd(rtcp, datagram))
        {
            SfuMetrics.EarlyQueued.Add(1);
        }
        else
        {
            _counters.OnDropped();
            SfuMetrics.Drop("no_keys");
        }
    }

    /// <summary>Publishes the keys: sends first, then the early datagrams in order, then the receive path.</summary>
    private bool InstallKeys(SrtpSession srtp)
    {
        lock (_receiveGate)
        {
            if (_receiveClosed)
            {
                srtp.Dispose(); // DisposeAsync already closed the gate: it will not see these keys
                return false;
            }
            Volatile.Write(ref _srtp, srtp);
            var handled = 0;
            _handingOver = true;
            try
            {
                // A handler may dispose the transport (re-entering the gate): the loop then stops, and the queue's
                // buffer, which that handler's packet lives in, goes back to the pool only after it returned.
                while (handled < _early.Count && !_receiveClosed)
                {
                    var datagram = _early.Get(handled++, out var rtcp);
                    UnprotectEarly(srtp, rtcp, datagram);
                }
            }
            finally
            {
                _handingOver = false;
                _earlyOpen = false;
                var left = _early.Count - handled;
                if (left > 0)
                {
                    _counters.OnDroppedClosed(left);
                    SfuMetrics.Drop("early_discarded", left);
                }
                _early.Clear();
                _receiveSrtp = srtp;
            }
            return !_receiveClosed; // false when a handler of an early datagram disposed the transport
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
        lock (_receiveGate)
        {
            _earlyOpen = false;
            if (_handingOver)
            {
                return; // a handler of an early datagram closes the transport: InstallKeys drops the rest after it
            }
            var dropped = _early.Clear();
            if (dropped > 0)
            {
                _counters.OnDroppedClosed(dropped);
                SfuMetrics.Drop("early_discarded", dropped);
            }
        }
    }

    [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "A handler failed on an early SRTP packet")]
    private static partial void LogEarlyHandlerError(ILogger logger, Exception exception);
}
