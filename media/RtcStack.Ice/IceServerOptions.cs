namespace RtcStack.Ice;

/// <summary>Settings of <see cref="IceLiteServer"/>.</summary>
public sealed class IceServerOptions
{
    /// <summary>Consent lifetime without a valid check (RFC 7675 §5.1 says 30 s). Default 30 s.</summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often consent is checked. Default 1 s.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Also listen for ICE-TCP (RFC 6544 passive candidate). Default false.</summary>
    public bool EnableTcp { get; init; }

    /// <summary>The ICE-TCP port; 0 picks a free one. Default 0.</summary>
    public int TcpPort { get; init; }

    /// <summary>Most ICE-TCP connections at once; more are refused. Default 1024.</summary>
    public int MaxTcpConnections { get; init; } = 1024;

    /// <summary>
    /// Per ICE-TCP connection: bytes queued (beyond the kernel's send buffer) while the peer does not read; frames
    /// that do not fit are dropped and counted. Allocated only once a connection backs up. Default 128 KiB; at least
    /// 65,537 bytes are used (the rest of the largest frame must fit an empty queue).
    /// </summary>
    public int TcpSendQueueSize { get; init; } = 128 * 1024;

    /// <summary>An ICE-TCP connection whose full send queue made no progress for this long is closed. Default 5 s.</summary>
    public TimeSpan TcpSendStallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Kernel send and receive buffer of the UDP socket, in bytes. Default 4 MiB.</summary>
    public int SocketBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Largest datagram read. Default 1500 (Ethernet MTU).</summary>
    public int ReceiveBufferSize { get; init; } = 1500;
}
