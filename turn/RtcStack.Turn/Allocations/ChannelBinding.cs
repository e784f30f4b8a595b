using System.Net;
using RtcStack.Stun;

namespace RtcStack.Turn.Allocations;

/// <summary>
/// A channel binding (RFC 8656 §12): channel number 0x4000-0x4FFF tied to one peer transport address for
/// 600 s per bind or refresh. After expiry it relays nothing but keeps number and peer reserved for
/// <see cref="CooldownSeconds"/> more (§12: "SHOULD NOT be re-bound for 5 minutes"), then it is removed.
/// </summary>
internal sealed class ChannelBinding
{
    /// <summary>Channel binding lifetime, RFC 8656 §12: 10 minutes.</summary>
    internal const int LifetimeSeconds = 600;

    /// <summary>Time a number and peer stay reserved after expiry, RFC 8656 §12.</summary>
    internal const int CooldownSeconds = 300;

    /// <summary>
    /// First and last channel numbers accepted: RFC 8656 §12 allows 0x4000-0x4FFF, RFC 5766 allowed up to
    /// 0x7FFF and coturn's clients still pick from that range, so it is accepted for interoperability.
    /// </summary>
    internal const ushort MinNumber = 0x4000, MaxNumber = 0x7FFF;

    internal static bool IsValidNumber(ushort number) => number is >= MinNumber and <= MaxNumber;

    private long _expires;

    internal ChannelBinding(ushort number, TransportAddress peer, long expires)
    {
        Number = number;
        Peer = peer;
        PeerSocketAddress = peer.ToEndPoint().Serialize();
        _expires = expires;
    }

    internal ushort Number { get; }

    internal TransportAddress Peer { get; }

    /// <summary>The peer as a socket address, built once so sends allocate nothing.</summary>
    internal SocketAddress PeerSocketAddress { get; }

    internal long Expires
    {
        get => Volatile.Read(ref _expires);
        set => Volatile.Write(ref _expires, value);
    }
}
