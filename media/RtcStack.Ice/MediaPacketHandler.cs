namespace RtcStack.Ice;

/// <summary>Receives one non-STUN datagram from an authenticated remote address, classified. The span is the
/// receive buffer: the handler may decrypt or rewrite it in place, and must not keep it after returning.</summary>
public delegate void MediaPacketHandler(MediaPacketKind kind, Span<byte> datagram);
