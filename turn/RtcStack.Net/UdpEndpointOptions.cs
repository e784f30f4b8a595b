namespace RtcStack.Net;

/// <summary>Options of a <see cref="UdpEndpoint"/>.</summary>
public sealed class UdpEndpointOptions
{
    /// <summary>Size of the receive buffer in bytes. Default 65,536, so the largest UDP payload fits.</summary>
    public int ReceiveBufferSize { get; init; } = 65536;

    /// <summary>Kernel socket receive buffer (SO_RCVBUF) in bytes; 0 keeps the system default. Default 4 MiB.</summary>
    public int SocketReceiveBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Kernel socket send buffer (SO_SNDBUF) in bytes; 0 keeps the system default. Default 4 MiB.</summary>
    public int SocketSendBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Receive with blocking calls on a dedicated thread instead of an async loop on the thread
    /// pool: lower latency and overhead for a few busy listening sockets; not for thousands of relay
    /// sockets. Default false.
    /// </summary>
    public bool ReceiveOnDedicatedThread { get; init; }

    /// <summary>For an IPv6 socket, also accept IPv4 (dual mode). Default false: one socket per family.</summary>
    public bool DualMode { get; init; }
}
