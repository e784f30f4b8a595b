namespace RtcStack.Client;

/// <summary>Where a <see cref="SignalingClient"/> is in its life.</summary>
public enum ConnectionState
{
    /// <summary>Not connected yet.</summary>
    Created,

    /// <summary>Opening the socket and waiting for <c>welcome</c>.</summary>
    Connecting,

    /// <summary>Authenticated; requests may be sent.</summary>
    Connected,

    /// <summary>The socket dropped; the client is reconnecting with backoff and will resume the session.</summary>
    Reconnecting,

    /// <summary>Closed for good (disposed, <c>bye</c>, a fatal error, or reconnect gave up).</summary>
    Closed,
}
