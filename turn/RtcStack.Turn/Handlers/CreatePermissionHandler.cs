using RtcStack.Stun;
using RtcStack.Turn.Allocations;

namespace RtcStack.Turn.Handlers;

/// <summary>CreatePermission (RFC 8656 §10.2): install or refresh permissions for every XOR-PEER-ADDRESS, all or none.</summary>
internal sealed class CreatePermissionHandler(TurnState state)
{
    /// <summary>Most peer addresses accepted in one request.</summary>
    private const int MaxPeers = 16;

    internal void Handle(scoped in TurnRequest request, Credentials credentials)
    {
        Allocation? allocation = state.OwnedAllocation(request, credentials);
        if (allocation is null)
        {
            return;
        }
        Span<TransportAddress> peers = stackalloc TransportAddress[MaxPeers];
        int count = request.Message.GetXorAddresses(StunAttributeType.XorPeerAddress, peers);
        if (count <= 0 || count > MaxPeers)
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return;
        }
        peers = peers[..count];
        for (int i = 0; i < peers.Length; i++)
        {
            peers[i] = peers[i].Normalize();
            if (!PeerChecks.CheckOrRespond(state, request, allocation, peers[i], credentials))
            {
                return;
            }
        }
        long expires = request.Now + state.Ticks(Permission.LifetimeSeconds);
        foreach (TransportAddress peer in peers)
        {
            if (!allocation.InstallPermission(peer, expires))
            {
                state.Responder.SendError(request, 508, "Insufficient Capacity", credentials);
                return;
            }
        }
        StunMessageWriter writer = state.Responder.Success(request);
        state.Responder.Send(request, ref writer, credentials);
    }
}
