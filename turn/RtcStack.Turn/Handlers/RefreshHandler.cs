using RtcStack.Stun;
using RtcStack.Turn.Allocations;

namespace RtcStack.Turn.Handlers;

/// <summary>Refresh (RFC 8656 §8.2): extend an allocation, or delete it with LIFETIME 0.</summary>
internal sealed class RefreshHandler(TurnState state)
{
    internal void Handle(scoped in TurnRequest request, Credentials credentials)
    {
        Allocation? allocation = state.OwnedAllocation(request, credentials);
        if (allocation is null)
        {
            return;
        }
        // §8.2: a REQUESTED-ADDRESS-FAMILY that does not match the allocation's family gets 443.
        if (request.Message.TryGetRequestedAddressFamily(out StunAddressFamily family)
            && family != allocation.RelayLocal.Family)
        {
            state.Responder.SendError(request, 443, "Peer Address Family Mismatch", credentials);
            return;
        }
        int lifetime;
        if (request.Message.TryGetLifetime(out uint requested) && requested == 0)
        {
            lifetime = 0;
            if (state.Allocations.Remove(allocation))
            {
                _ = state.CloseAsync(allocation, "deleted by Refresh lifetime 0").AsTask();
            }
        }
        else
        {
            lifetime = Lifetimes.Desired(request.Message, state.Options);
            allocation.Expires = request.Now + state.Ticks(lifetime);
        }
        StunMessageWriter writer = state.Responder.Success(request);
        writer.AddLifetime((uint)lifetime);
        state.Responder.Send(request, ref writer, credentials);
    }
}
