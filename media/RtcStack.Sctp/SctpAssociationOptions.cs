namespace RtcStack.Sctp;

/// <summary>Settings of one SCTP association over DTLS. Defaults suit WebRTC data channels.</summary>
public sealed class SctpAssociationOptions
{
    /// <summary>True when the local DTLS role is client: this side then opens even stream ids (RFC 8832 §6). Default false.</summary>
    public bool IsDtlsClient { get; set; }

    /// <summary>Local SCTP port, from <c>a=sctp-port</c> (RFC 8841). Default 5000.</summary>
    public ushort LocalPort { get; set; } = 5000;

    /// <summary>Remote SCTP port, from the peer's <c>a=sctp-port</c>. Default 5000.</summary>
    public ushort RemotePort { get; set; } = 5000;

    /// <summary>Largest message this side accepts (our <c>a=max-message-size</c>). Default 262144 (256 KiB).</summary>
    public int MaxReceiveMessageSize { get; set; } = 256 * 1024;

    /// <summary>Largest message the peer accepts (its <c>a=max-message-size</c>; 0 = no limit). Default 262144.</summary>
    public int MaxSendMessageSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Receive buffer advertised as a_rwnd (RFC 9260 §6.2). Default 1 MiB; must exceed MaxReceiveMessageSize.
    /// Memory held for reassembly stays below ReceiveWindow + 2 × MaxReceiveMessageSize.
    /// </summary>
    public int ReceiveWindow { get; set; } = 1024 * 1024;

    /// <summary>Largest SCTP packet, leaving room for DTLS, UDP and IP in a 1280-byte path. Default 1191.</summary>
    public int MaxPacketSize { get; set; } = 1191;

    /// <summary>Streams requested in each direction (OS / MIS). Default 65535.</summary>
    public ushort Streams { get; set; } = 65535;

    /// <summary>RTO.Initial (RFC 9260 §16). Default 1 s.</summary>
    public TimeSpan RtoInitial { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>RTO.Min. RFC 9260 says 1 s; WebRTC stacks use less. Default 400 ms.</summary>
    public TimeSpan RtoMin { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>RTO.Max. Default 60 s (RFC 9260 §16).</summary>
    public TimeSpan RtoMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Largest retransmission timeout reached by exponential back-off (RFC 9260 §6.3.3 E2), unless the RTO
    /// measured from the path is larger. WebRTC's dcSCTP uses 3 s: after a burst of losses the association
    /// retries every few seconds instead of once a minute. Default 3 s.
    /// </summary>
    public TimeSpan MaxTimerBackoff { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Association.Max.Retrans: consecutive timeouts (T3-rtx, unanswered heartbeats) before the association is
    /// aborted (RFC 9260 §8.1). With the 3 s back-off cap, 20 is about a minute of silence, longer than ICE
    /// consent (30 s), so ICE, not SCTP, decides that a path is dead. Default 20.
    /// </summary>
    public int MaxRetransmissions { get; set; } = 20;

    /// <summary>Max.Init.Retransmits for INIT and COOKIE ECHO. Default 8.</summary>
    public int MaxInitRetransmissions { get; set; } = 8;

    /// <summary>HB.interval (RFC 9260 §8.3). Default 30 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Valid.Cookie.Life (RFC 9260 §5.1.3). Default 60 s.</summary>
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Delayed SACK time (RFC 9260 §6.2, at most 500 ms). Default 200 ms.</summary>
    public TimeSpan DelayedAckTime { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (MaxPacketSize is < 256 or > 65535)
        {
            throw new ArgumentException("MaxPacketSize must be 256..65535.", nameof(MaxPacketSize));
        }

        if (MaxReceiveMessageSize <= 0 || ReceiveWindow < MaxReceiveMessageSize)
        {
            throw new ArgumentException("ReceiveWindow must be at least MaxReceiveMessageSize (> 0).", nameof(ReceiveWindow));
        }

        if (Streams == 0 || MaxRetransmissions < 1 || MaxInitRetransmissions < 1 || RtoMin <= TimeSpan.Zero || RtoMax < RtoMin
            || MaxTimerBackoff < RtoMin)
        {
            throw new ArgumentException("Streams, retransmission limits and RTO bounds must be positive.");
        }
    }
}
