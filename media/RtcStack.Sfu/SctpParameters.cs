namespace RtcStack.Sfu;

/// <summary>The data channel parameters of an m=application section (RFC 8841).</summary>
/// <param name="LocalPort">Our <c>a=sctp-port</c>.</param>
/// <param name="RemotePort">The peer's <c>a=sctp-port</c>.</param>
/// <param name="MaxMessageSize">The smaller of both <c>a=max-message-size</c> values.</param>
public sealed record SctpParameters(int LocalPort, int RemotePort, int MaxMessageSize);
