namespace RtcStack.Ice;

/// <summary>Settings of <see cref="IceLiteServer"/>.</summary>
public sealed class IceServerOptions
{
    /// <summary>Consent lifetime without a valid check (RFC 7675 §5.1 says 30 s). Default 30 s.</summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often consent is checked. Default 1 s.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest datagram read. Default 1500 (Ethernet MTU).</summary>
    public int ReceiveBufferSize { get; init; } = 1500;
}
