using RtcStack.Stun;
using RtcStack.Turn.Allocations;

namespace RtcStack.Turn.Handlers;

/// <summary>ChannelBind (RFC 8656 §11.2): bind or refresh a channel, and install or refresh the peer's permission.</summary>
internal sealed class ChannelBindHandler(TurnState state)
{
    internal void Handle(scoped in TurnRequest request, Credentials credentials)
    {
        Allocation? allocation = state.OwnedAllocation(request, credentials);
        if (allocation is null)
        {
            return;
        }
        // §11.2: CHANNEL-NUMBER in range (see ChannelBinding.MaxNumber) and one XOR-PEER-ADDRESS, else 400.
        // RFC 6062 §5: channels are not used with TCP allocations (400).
        if (allocation.Tcp is not null || !request.Message.TryGetChannelNumber(out ushort number) || !ChannelBinding.IsValidNumber(number)
            || !request.Message.TryGetXorPeerAddress(out TransportAddress peer))
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return;
        }
        peer = peer.Normalize();
        if (!PeerChecks.CheckOrRespond(state, request, allocation, peer, credentials))
        {
            return;
        }
        ChannelBindResult result = allocation.BindChannel(number, peer, request.Now + state.Ticks(ChannelBinding.LifetimeSeconds));
        if (result is ChannelBindResult.NumberInUse or ChannelBindResult.PeerInUse)
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return;
        }
        if (result == ChannelBindResult.Full || !allocation.InstallPermission(peer, request.Now + state.Ticks(Permission.LifetimeSeconds)))
        {
            state.Responder.SendError(request, 508, "Insufficient Capacity", credentials);
            return;
        }
        StunMessageWriter writer = state.Responder.Success(request);
        state.Responder.Send(request, ref writer, credentials);
    }
}
