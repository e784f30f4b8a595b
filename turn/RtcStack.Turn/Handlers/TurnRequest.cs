using RtcStack.Stun;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Handlers;

/// <summary>One received STUN request or indication and where it came from; lives on the receive loop's stack.</summary>
internal ref struct TurnRequest
{
    internal StunMessageReader Message;
    internal FiveTuple FiveTuple;
    internal IClientEndpoint Endpoint;
    internal IngressState Ingress;

    /// <summary>Receive time, a <see cref="TimeProvider.GetTimestamp"/> value.</summary>
    internal long Now;

    /// <summary>The scratch buffer responses are written into.</summary>
    internal readonly Span<byte> Scratch => Ingress.Scratch;
}
