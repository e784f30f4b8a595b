namespace RtcStack.Ice;

/// <summary>Receives one non-STUN datagram from an authenticated remote address, classified.</summary>
public delegate void MediaPacketHandler(MediaPacketKind kind, ReadOnlySpan<byte> datagram);
