using System.Net;

namespace RtcStack.Client;

/// <summary>Settings of a <see cref="SignalingClient"/>. Every property has a safe default.</summary>
public sealed class SignalingClientOptions
{
    /// <summary>The signaling endpoint, for example <c>ws://127.0.0.1:8080/ws</c>. Required.</summary>
    public Uri? ServerUri { get; set; }

    /// <summary>
    /// Supplies the token sent in <c>hello</c>. It is called before every connect and reconnect, so it can mint a
    /// fresh token when the previous one expired. Required (or set <see cref="Token"/>).
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? TokenProvider { get; set; }

    /// <summary>A fixed token, used when <see cref="TokenProvider"/> is not set.</summary>
    public string? Token { get; set; }

    /// <summary>Value of the <c>Origin</c> header on the upgrade request. Default: none (native clients send none).</summary>
    public string? Origin { get; set; }

    /// <summary>Local address the TCP connection binds to (useful to spread load over 127.0.0.x). Default: any.</summary>
    public IPAddress? LocalAddress { get; set; }

    /// <summary>Whether to ask for the <c>rtcstack.v1</c> subprotocol. Default: true.</summary>
    public bool RequestSubProtocol { get; set; } = true;

    /// <summary>How long a request waits for its answer before it fails with <see cref="TimeoutException"/>. Default: 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long opening the socket and receiving <c>welcome</c> may take. Default: 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether a dropped connection is re-established automatically (with resume). Default: true.</summary>
    public bool AutoReconnect { get; set; } = true;

    /// <summary>First reconnect delay; it doubles on every failed attempt, with jitter. Default: 250 ms.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Largest reconnect delay. Default: 10 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Reconnect attempts after one drop before the client gives up and reports <see cref="ConnectionState.Closed"/>. Default: unlimited.</summary>
    public int MaxReconnectAttempts { get; set; } = int.MaxValue;

    /// <summary>Largest server frame accepted; a larger one drops the connection. Default: 1 MiB.</summary>
    public int MaxReceiveFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>Outgoing frames that may wait for the socket before sends block. Default: 1024.</summary>
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>Whether to send <c>ping</c> at the interval announced in <c>welcome</c>. Default: true.</summary>
    public bool SendHeartbeats { get; set; } = true;

    internal void Validate()
    {
        if (ServerUri is null || (ServerUri.Scheme != "ws" && ServerUri.Scheme != "wss"))
        {
            throw new ArgumentException("ServerUri must be a ws:// or wss:// URI.", nameof(ServerUri));
        }

        if (TokenProvider is null && string.IsNullOrEmpty(Token))
        {
            throw new ArgumentException("Set Token or TokenProvider.", nameof(Token));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReceiveFrameBytes, 1024, nameof(MaxReceiveFrameBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(SendQueueCapacity, 1, nameof(SendQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReconnectAttempts, 0, nameof(MaxReconnectAttempts));
    }
}
