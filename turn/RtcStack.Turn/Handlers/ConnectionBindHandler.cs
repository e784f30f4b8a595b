using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>
/// ConnectionBind (RFC 6062 §5.4): on a new TCP or TLS connection from the client, claim the pending peer data
/// connection named by CONNECTION-ID; after the success response the connection relays raw bytes. 400 over UDP, on
/// a connection that holds an allocation or is bound already, or for an unknown, bound or closed CONNECTION-ID;
/// 441 when the request's user is not the allocation's.
/// </summary>
internal sealed class ConnectionBindHandler(TurnState state)
{
    internal void Handle(scoped in TurnRequest request, Credentials credentials)
    {
        if (request.Endpoint is not StreamConnection client || client.IsDataConnection
            || state.Allocations.TryGet(request.FiveTuple, out _)
            || !request.Message.TryGetConnectionId(out uint id)
            || !state.TcpConnections.TryGet(id, out TcpPeerConnection? peer) || peer.IsBound)
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return;
        }
        if (!string.Equals(peer.Owner.Allocation.Info.Username, credentials.Username, StringComparison.Ordinal))
        {
            state.Responder.SendError(request, 441, "Wrong Credentials", credentials);
            return;
        }
        if (!peer.TryBind())
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return;
        }
        StunMessageWriter writer = state.Responder.Success(request);
        state.Responder.Send(request, ref writer, credentials);
        client.BecomeDataConnection(peer);
    }
}
