namespace RtcStack.Stun;

/// <summary>
/// The 5-tuple that identifies a TURN allocation or an ICE connection (RFC 8656 §2): client address,
/// server address and transport protocol. A value type; equality and hashing allocate nothing.
/// </summary>
/// <param name="Client">The client's (remote) transport address.</param>
/// <param name="Server">The server's (local) transport address.</param>
/// <param name="Protocol">The transport protocol.</param>
public readonly record struct FiveTuple(TransportAddress Client, TransportAddress Server, TransportProtocol Protocol)
{
    /// <inheritdoc />
    public override string ToString() => $"{Protocol} {Client} -> {Server}";
}
