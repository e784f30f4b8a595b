using RtcStack.Stun;

namespace RtcStack.Turn.Handlers;

/// <summary>Binding (RFC 8489 §6.3.1.1): XOR-MAPPED-ADDRESS of the source; no authentication, small answer.</summary>
internal sealed class BindingHandler(Responder responder)
{
    internal void Handle(scoped in TurnRequest request)
    {
        StunMessageWriter writer = responder.Success(request);
        writer.AddXorMappedAddress(request.FiveTuple.Client);
        responder.Send(request, ref writer, signer: null);
    }
}
