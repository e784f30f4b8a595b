using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Diagnostics;
using RtcStack.Turn.Policy;

namespace RtcStack.Turn.Handlers;

/// <summary>
/// The checks every peer address goes through (RFC 8656 §9.1 / §10 / §11.2 / §12.2): same family as
/// the relayed address (else 443), the peer-address policy (else 403), and never one of our listeners.
/// </summary>
internal static class PeerChecks
{
    internal enum Result
    {
        Ok,
        FamilyMismatch,
        Forbidden,
    }

    internal static Result Check(TurnState state, Allocation allocation, in TransportAddress peer)
    {
        if (peer.Family != allocation.RelayLocal.Family)
        {
            return Result.FamilyMismatch;
        }
        UInt128 value = IpAddressValue.FromTransportAddress(peer);
        PeerAddressDecision decision = state.Policy.Check(value);
        if (state.Policy.IsOwnListener(value, peer.Port))
        {
            decision = PeerAddressDecision.DeniedOwnAddress;
        }
        if (!PeerAddressPolicy.IsAllowed(decision))
        {
            TurnLog.PeerDenied(state.Logger, peer.ToString(), decision.ToString());
            return Result.Forbidden;
        }
        return Result.Ok;
    }

    /// <summary>Answers a failed check with 443 or 403; true when the check passed.</summary>
    internal static bool CheckOrRespond(TurnState state, scoped in TurnRequest request, Allocation allocation, in TransportAddress peer, Credentials credentials)
    {
        switch (Check(state, allocation, peer))
        {
            case Result.FamilyMismatch:
                state.Responder.SendError(request, 443, "Peer Address Family Mismatch", credentials);
                return false;
            case Result.Forbidden:
                state.Responder.SendError(request, 403, "Forbidden", credentials);
                return false;
            default:
                return true;
        }
    }
}
