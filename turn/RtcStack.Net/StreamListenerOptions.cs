using System.Net.Security;

namespace RtcStack.Net;

/// <summary>Options of a <see cref="StreamListener"/> and its connections.</summary>
public sealed class StreamListenerOptions
{
    /// <summary>
    /// TLS hook: when set, each accepted connection is wrapped in an <see cref="SslStream"/>
    /// authenticated with the options this returns. It is called per connection, so a certificate
    /// reloaded from disk takes effect for new connections without a restart. Default null (plain TCP).
    /// </summary>
    public Func<SslServerAuthenticationOptions>? TlsOptionsProvider { get; init; }

    /// <summary>Time allowed for the TLS handshake. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most concurrent connections; more wait in the listen backlog, not accepted (so they hold no file
    /// descriptor), until one closes. Default 10,000.
    /// </summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>Most bytes queued for sending on one connection; beyond it <see cref="StreamConnection.TrySend"/> drops. Default 256 KiB.</summary>
    public int MaxQueuedSendBytes { get; init; } = 256 * 1024;

    /// <summary>Framing of accepted connections: STUN frames (client listeners) or raw (an RFC 6062 relay's peer-facing listener). Default <see cref="StreamFramingMode.StunFrames"/>.</summary>
    public StreamFramingMode InitialMode { get; init; } = StreamFramingMode.StunFrames;

    /// <summary>Listen backlog. Default 512.</summary>
    public int Backlog { get; init; } = 512;
}
