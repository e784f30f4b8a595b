using RtcStack.Dtls;
using RtcStack.Ice;
using RtcStack.Srtp;

namespace RtcStack.Sfu;

/// <summary>
/// The inbound path. The media port's UDP receive loop and the read loop of each of the peer's ICE-TCP connections
/// all call <see cref="OnPacket"/>; it handles one packet at a time per transport under <c>_receiveGate</c> (see
/// the threading model in the type remarks), so SRTP's inbound state and the handlers never see two threads, and
/// <see cref="CloseReceive"/> (the first step of DisposeAsync) fences out a packet in flight before anything is
/// freed. The gate is one uncontended lock per packet unless the peer really sends on two paths at once; the
/// path allocates nothing.
/// </summary>
public sealed partial class WebRtcTransport
{
    /// <summary>This transport's inbound counts (tests read them).</summary>
    internal ReceiveCounters ReceiveCounters => _counters;

    /// <summary>
    /// Test hook: called by DisposeAsync just before it takes the receive gate, so a test can hold a handler and
    /// check that nothing is freed while it runs. Null (the default) in production.
    /// </summary>
    internal Action<WebRtcTransport>? BeforeCloseReceive { get; set; }

    /// <summary>The SRTP session once the keys are installed (tests check it is disposed after close).</summary>
    internal SrtpSession? Keys => Volatile.Read(ref _srtp);

    /// <summary>The receive loops' handler (tests call it directly): DTLS to the session, SRTP/SRTCP decrypted in place.</summary>
    internal void OnPacket(MediaPacketKind kind, Span<byte> datagram)
    {
        var closeNow = false;
        lock (_receiveGate)
        {
            if (_receiveClosed)
            {
                _counters.OnDroppedClosed();
                SfuMetrics.Drop("closed");
                return;
            }
            switch (kind)
            {
                case MediaPacketKind.Dtls:
                    if (_dtls is null)
                    {
                        SfuMetrics.Drop("dtls_before_connect");
                    }
                    else
                    {
                        closeNow = _dtls.ProcessDatagram(datagram) && _dtls.State == DtlsState.Closed;
                    }
                    break;
                case MediaPacketKind.Rtp:
                case MediaPacketKind.Rtcp:
                    var rtcp = kind == MediaPacketKind.Rtcp;
                    if (_receiveSrtp is { } srtp)
                    {
                        Unprotect(srtp, rtcp, datagram);
                    }
                    else
                    {
                        HoldEarlyLocked(rtcp, datagram);
                    }
                    break;
            }
        }
        if (closeNow) // the peer's close_notify: close outside the gate
        {
            _ = DisposeAsync().AsTask();
        }
    }

    /// <summary>Caller holds the gate: decrypts in place and hands the packet to its handler.</summary>
    private void Unprotect(SrtpSession srtp, bool rtcp, Span<byte> datagram)
    {
        var result = rtcp ? srtp.UnprotectRtcp(datagram, out var length) : srtp.UnprotectRtp(datagram, out length);
        if (result != SrtpResult.Ok)
        {
            _counters.OnDropped(result);
            SfuMetrics.Drop(SfuMetrics.UnprotectFailure(result));
            return;
        }
        _counters.OnReceived();
        SfuMetrics.Received.Add(1);
        (rtcp ? RtcpReceived : RtpReceived)?.Invoke(this, datagram, length);
    }

    /// <summary>
    /// Closes the gate: waits for a packet being handled on another thread (a handler included), drops the early
    /// datagrams; every later packet is dropped and counted. Re-entrant from a handler on this transport.
    /// </summary>
    private void CloseReceive()
    {
        BeforeCloseReceive?.Invoke(this);
        lock (_receiveGate)
        {
            _receiveClosed = true;
            DiscardEarly();
        }
    }
}
