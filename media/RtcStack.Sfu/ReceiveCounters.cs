using RtcStack.Srtp;

namespace RtcStack.Sfu;

/// <summary>
/// One transport's inbound packet counts (the process-wide ones are the "RtcStack.Sfu" meter). Written only under
/// the transport's receive gate, so plain increments suffice; read from any thread.
/// </summary>
internal sealed class ReceiveCounters
{
    private long _received;
    private long _replayed;
    private long _authFailed;
    private long _dropped;
    private long _droppedClosed;

    /// <summary>SRTP/SRTCP packets decrypted and handed to a handler.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Packets dropped as replays (RFC 3711 §3.3.2).</summary>
    public long Replayed => Volatile.Read(ref _replayed);

    /// <summary>Packets whose authentication tag did not verify.</summary>
    public long AuthFailed => Volatile.Read(ref _authFailed);

    /// <summary>Other drops: malformed, no keys, too many SSRCs.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Packets (any kind, early SRTP included) dropped because the transport was closing or closed.</summary>
    public long DroppedClosed => Volatile.Read(ref _droppedClosed);

    public void OnReceived() => Volatile.Write(ref _received, _received + 1);

    public void OnDropped(SrtpResult result)
    {
        switch (result)
        {
            case SrtpResult.Replayed:
                Volatile.Write(ref _replayed, _replayed + 1);
                break;
            case SrtpResult.AuthFailed:
                Volatile.Write(ref _authFailed, _authFailed + 1);
                break;
            default:
                OnDropped();
                break;
        }
    }

    public void OnDropped() => Volatile.Write(ref _dropped, _dropped + 1);

    public void OnDroppedClosed(long count = 1) => Volatile.Write(ref _droppedClosed, _droppedClosed + count);
}
