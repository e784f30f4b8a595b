namespace RtcStack.Turn.Transport;

/// <summary>
/// The client a message just came from. <see cref="IClientSink.Send"/> answers it; <see cref="Persist"/>
/// returns a sink that stays valid after the receive loop moves on (kept by an allocation).
/// </summary>
internal interface IClientEndpoint : IClientSink
{
    IClientSink Persist();
}
