using System.Net;
using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Policy;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>
/// Send indication (RFC 8656 §11.2 "Receiving a Send Indication"): relay DATA to XOR-PEER-ADDRESS when the
/// 5-tuple has an allocation and a permission covers the peer; otherwise drop silently. Allocates nothing.
/// </summary>
internal sealed class SendIndicationHandler(TurnState state)
{
    internal void Handle(scoped in TurnRequest request)
    {
        if (!state.Allocations.TryGet(request.FiveTuple, out Allocation allocation) || request.Now >= allocation.Expires
            || allocation.Relay is not { } relay)
        {
            // No allocation, or a TCP allocation (RFC 6062 §5: no Send indications on those).
            return;
        }
        StunMessageReader m = request.Message;
        if (!m.TryGetXorPeerAddress(out TransportAddress peer) || !m.TryGetData(out ReadOnlySpan<byte> data))
        {
            state.Metrics.Malformed();
            return;
        }
        peer = peer.Normalize();
        if (peer.Family != relay.LocalAddress.Family || !allocation.HasPermission(peer, request.Now)
            || state.Policy.IsOwnListener(IpAddressValue.FromTransportAddress(peer), peer.Port))
        {
            state.Metrics.NoPermission();
            return;
        }
        if (!allocation.ToPeerLimit.TryConsume(data.Length, request.Now, state.Time.TimestampFrequency))
        {
            state.Metrics.OverCap();
            return;
        }
        SocketAddress target = request.Ingress.PeerFor(relay.LocalAddress.SocketAddressFamily);
        SocketAddressReader.TryWrite(peer, target);
        relay.Send(data, target, request.Ingress.PeerSends);
        state.Metrics.RelayedToPeer(data.Length);
    }
}
