using RtcStack.Stun;

namespace RtcStack.Turn.Allocations;

/// <summary>
/// A permission (RFC 8656 §9): the peer IP address (port ignored, stored as port 0) from which data may
/// reach the client, alive until <see cref="Expires"/> (TimeProvider timestamp); 300 s per install or refresh.
/// </summary>
internal sealed class Permission(TransportAddress peerIp, long expires)
{
    /// <summary>Permission lifetime, RFC 8656 §9: 300 seconds.</summary>
    internal const int LifetimeSeconds = 300;

    private long _expires = expires;

    internal TransportAddress PeerIp { get; } = peerIp;

    internal long Expires
    {
        get => Volatile.Read(ref _expires);
        set => Volatile.Write(ref _expires, value);
    }
}
