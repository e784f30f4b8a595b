using RtcStack.Sctp.Packets;

namespace RtcStack.Sctp.Association;

/// <summary>
/// Association setup (RFC 9260 §5.1–§5.2): INIT / INIT ACK with an HMAC'd State Cookie (no state kept
/// for a received INIT), COOKIE ECHO / COOKIE ACK, T1-init and T1-cookie retransmission, and the
/// simultaneous-open collision WebRTC produces when both DTLS peers send INIT (§5.2.1, §5.2.4 B and D).
/// A peer restart (§5.2.4 A) is not supported: such cookies are dropped.
/// </summary>
internal sealed class Handshake
{
    private readonly AssociationCore _core;
    private readonly byte[] _key;
    private byte[]? _cookie;
    private int _t1Count;
    private uint _peerTag;
    private uint _peerInitialTsn;
    private uint _peerWindow;
    private ushort _peerOutbound;
    private ushort _peerInbound;

    public Handshake(AssociationCore core, byte[] key)
    {
        _core = core;
        _key = key;
    }

    public long? T1At { get; private set; }

    public void Stop() => T1At = null;

    public void SendInit()
    {
        WriteInit(SctpChunkType.Init, 0, default);
        _t1Count = 0;
        T1At = _core.NowMs + (long)_core.Rto.RtoMs;
    }

    /// <summary>§5.1 B / §5.2.1: answer with INIT ACK carrying our (unchanged) tag, TSN and a cookie.</summary>
    public void OnInit(ReadOnlySpan<byte> value)
    {
        if (InitChunk.TryRead(value, out InitChunk init) != SctpReadResult.Ok)
        {
            _core.Stats.ChunksDropped++;
            return;
        }

        if (_core.State is not (SctpAssociationState.Closed or SctpAssociationState.CookieWait or SctpAssociationState.CookieEchoed))
        {
            _core.Stats.ChunksDropped++; // §5.2.2 restart while established: not supported.
            return;
        }

        var cookie = new StateCookie(
            _core.LocalTag, init.InitiateTag, _core.LocalInitialTsn, init.InitialTsn, init.AdvertisedReceiverWindow,
            init.OutboundStreams, init.InboundStreams, init.SupportsForwardTsn, init.SupportsReConfig, _core.NowMs);
        Span<byte> bytes = stackalloc byte[StateCookie.Length];
        cookie.Write(bytes, _key);
        WriteInit(SctpChunkType.InitAck, init.InitiateTag, bytes);
    }

    /// <summary>§5.1 C: in COOKIE-WAIT take the peer's parameters and echo its cookie.</summary>
    public void OnInitAck(ReadOnlySpan<byte> value)
    {
        if (_core.State != SctpAssociationState.CookieWait)
        {
            return; // §5.2.3: discard in other states.
        }

        if (InitChunk.TryRead(value, out InitChunk ack) != SctpReadResult.Ok || ack.StateCookie.IsEmpty)
        {
            _core.Stats.ChunksDropped++;
            return;
        }

        _peerTag = ack.InitiateTag;
        _peerInitialTsn = ack.InitialTsn;
        _peerWindow = ack.AdvertisedReceiverWindow;
        _peerOutbound = ack.OutboundStreams;
        _peerInbound = ack.InboundStreams;
        _cookie = ack.StateCookie.ToArray();
        _core.PeerTag = _peerTag;
        SendCookieEcho();
        _t1Count = 0;
        T1At = _core.NowMs + (long)_core.Rto.RtoMs;
        _core.ChangeState(SctpAssociationState.CookieEchoed);
    }

    /// <summary>§5.1 D and §5.2.4: validate the cookie, establish, answer COOKIE ACK.</summary>
    public void OnCookieEcho(ReadOnlySpan<byte> value, uint packetTag)
    {
        if (!StateCookie.TryRead(value, _key, out StateCookie c) || c.LocalTag != packetTag || c.LocalTag != _core.LocalTag)
        {
            _core.Stats.ChunksDropped++;
            return;
        }

        if (_core.NowMs - c.CreatedUnixMs > (long)_core.Options.CookieLifetime.TotalMilliseconds)
        {
            _core.Stats.ChunksDropped++; // §5.1.5 stale cookie
            return;
        }

        switch (_core.State)
        {
            case SctpAssociationState.Closed or SctpAssociationState.CookieWait or SctpAssociationState.CookieEchoed:
                // Fresh association, or a collision (§5.2.4 B/D): the cookie holds the peer's parameters.
                T1At = null;
                _core.Establish(c.PeerTag, c.PeerInitialTsn, c.PeerReceiverWindow, c.OutboundStreams, c.InboundStreams);
                break;
            default:
                if (c.PeerTag != _core.PeerTag)
                {
                    _core.Stats.ChunksDropped++; // §5.2.4 A/C: restart or stale collision; discard.
                    return;
                }

                break; // §5.2.4 D: already established; acknowledge again.
        }

        _core.Output.Add(_core.PeerTag, SctpChunkType.CookieAck, 0, 0);
    }

    /// <summary>§5.1 E: COOKIE ACK in COOKIE-ECHOED establishes the association.</summary>
    public void OnCookieAck()
    {
        if (_core.State != SctpAssociationState.CookieEchoed)
        {
            return;
        }

        T1At = null;
        _core.Establish(_peerTag, _peerInitialTsn, _peerWindow, _peerOutbound, _peerInbound);
    }

    /// <summary>T1-init / T1-cookie expiry (§5.1.6 / §6.3.3 style back-off).</summary>
    public void OnTimer()
    {
        if (T1At is not long due || _core.NowMs < due)
        {
            return;
        }

        if (++_t1Count > _core.Options.MaxInitRetransmissions)
        {
            T1At = null;
            _core.Close("association setup timed out");
            return;
        }

        _core.Rto.Backoff();
        if (_core.State == SctpAssociationState.CookieWait)
        {
            WriteInit(SctpChunkType.Init, 0, default);
        }
        else if (_core.State == SctpAssociationState.CookieEchoed)
        {
            SendCookieEcho();
        }

        T1At = _core.NowMs + (long)_core.Rto.RtoMs;
    }

    private void SendCookieEcho()
    {
        byte[] cookie = _cookie!;
        cookie.CopyTo(_core.Output.Add(_peerTag, SctpChunkType.CookieEcho, 0, cookie.Length));
    }

    private void WriteInit(SctpChunkType type, uint tag, ReadOnlySpan<byte> cookie)
    {
        SctpAssociationOptions o = _core.Options;
        _core.Output.Flush();
        Span<byte> value = _core.Output.Add(tag, type, 0, InitChunk.ValueLength(cookie.Length));
        InitChunk.Write(value, _core.LocalTag, _core.ReceiverWindow, o.Streams, o.Streams, _core.LocalInitialTsn, cookie);
        _core.Output.Flush();
    }
}
