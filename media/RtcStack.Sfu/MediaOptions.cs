namespace RtcStack.Sfu;

/// <summary>Media settings, bound from configuration section "Media".</summary>
public sealed class MediaOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Media";

    /// <summary>Address the media UDP port binds to. Default "127.0.0.1" (safe: loopback only).</summary>
    public string ListenIp { get; set; } = "127.0.0.1";

    /// <summary>The media UDP port shared by every transport (ICE-lite). Default 0: a free port is picked.</summary>
    public int Port { get; set; }

    /// <summary>Also offer an ICE-TCP passive candidate (RFC 6544) for networks that block UDP. Default false.</summary>
    public bool IceTcp { get; set; }

    /// <summary>The ICE-TCP port; 0 picks a free one. Default 0.</summary>
    public int TcpPort { get; set; }

    /// <summary>
    /// Per ICE-TCP connection, bytes queued beyond the kernel's send buffer while the peer does not read; frames that
    /// do not fit are dropped and counted. Default 128 KiB.
    /// </summary>
    public int IceTcpSendQueueSize { get; set; } = 128 * 1024;

    /// <summary>An ICE-TCP connection whose full send queue made no progress for this long is closed. Default 5 s.</summary>
    public TimeSpan IceTcpSendStallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Address written into host candidates; null means <see cref="ListenIp"/>. Default null.</summary>
    public string? AnnouncedIp { get; set; }

    /// <summary>Serve <c>POST /media/echo</c> (the browser echo test endpoint). Default false.</summary>
    public bool EchoEndpoint { get; set; }

    /// <summary>Handshake timeout for DTLS. Default 30 s (generous for loaded machines).</summary>
    public TimeSpan DtlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> at start-up when invalid.</summary>
    public void Validate()
    {
        if (!System.Net.IPAddress.TryParse(ListenIp, out _))
        {
            throw new ArgumentException($"Media:ListenIp '{ListenIp}' is not an IP address.");
        }
        if (AnnouncedIp is not null && !System.Net.IPAddress.TryParse(AnnouncedIp, out _))
        {
            throw new ArgumentException($"Media:AnnouncedIp '{AnnouncedIp}' is not an IP address.");
        }
        if (Port is < 0 or > 65535 || TcpPort is < 0 or > 65535)
        {
            throw new ArgumentException($"Media:Port {Port} or Media:TcpPort {TcpPort} is out of range.");
        }
        if (IceTcpSendQueueSize is < 4096 or > 64 * 1024 * 1024 || IceTcpSendStallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Media:IceTcpSendQueueSize {IceTcpSendQueueSize} (4 KiB to 64 MiB) or Media:IceTcpSendStallTimeout {IceTcpSendStallTimeout} (positive) is out of range.");
        }
    }
}
