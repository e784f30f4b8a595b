using RtcStack.Stun;
using RtcStack.Turn.Allocations;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>
/// Connect (RFC 6062 §5.2): open a TCP connection from the relayed address of a TCP allocation to XOR-PEER-ADDRESS,
/// after the peer-address policy (403) and family check (443); 446 when a connection to that peer is in progress or
/// open, 447 when it fails or times out (30 s), 508 when the allocation holds its maximum of connections. The success
/// response carries the CONNECTION-ID the client then binds. The answer is sent when the handshake ends, off the
/// receive loop.
/// </summary>
internal sealed class ConnectHandler(TurnState state)
{
    internal void Handle(scoped in TurnRequest request, Credentials credentials)
    {
        Allocation? allocation = state.OwnedAllocation(request, credentials);
        if (allocation is null)
        {
            return;
        }
        if (allocation.Tcp is not { } tcp || !request.Message.TryGetXorPeerAddress(out TransportAddress peer))
        {
            state.Responder.SendError(request, 400, "Bad Request", credentials);
            return;
        }
        peer = peer.Normalize();
        if (!PeerChecks.CheckOrRespond(state, request, allocation, peer, credentials))
        {
            return;
        }
        switch (tcp.TryBeginConnect(peer))
        {
            case ConnectStart.AlreadyExists:
                state.Responder.SendError(request, StunErrorCodes.ConnectionAlreadyExists, "Connection Already Exists", credentials);
                return;
            case ConnectStart.Full:
                state.Responder.SendError(request, 508, "Insufficient Capacity", credentials);
                return;
            default:
                _ = CompleteAsync(tcp, peer, request.Endpoint.Persist(), request.Message.TransactionId, request.Message.HasFingerprint, credentials);
                return;
        }
    }

    private async Task CompleteAsync(TcpRelay tcp, TransportAddress peer, IClientSink client, TransactionId transaction, bool fingerprint, Credentials credentials)
    {
        TcpPeerConnection? connection = null;
        try
        {
            connection = await tcp.ConnectAsync(peer).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // never unanswered: whatever went wrong, the client gets 447
        }
        Answer(client, transaction, fingerprint, credentials, connection);
    }

    private void Answer(IClientSink client, TransactionId transaction, bool fingerprint, Credentials credentials, TcpPeerConnection? connection)
    {
        Span<byte> buffer = stackalloc byte[512];
        var type = new StunMessageType(StunMethod.Connect, connection is null ? StunClass.ErrorResponse : StunClass.SuccessResponse);
        StunMessageWriter writer = state.Responder.Begin(buffer, type, transaction);
        if (connection is null)
        {
            writer.AddErrorCode(StunErrorCodes.ConnectionTimeoutOrFailure, "Connection Timeout or Failure");
        }
        else
        {
            writer.AddConnectionId(connection.Id);
        }
        if (state.Responder.Finish(ref writer, credentials, fingerprint, out int length))
        {
            client.Send(buffer[..length]);
        }
    }
}
