namespace RtcStack.Server.Endpoints;

/// <summary>What <see cref="WebSocketRequestReader"/> made of the bytes at the start of a connection.</summary>
internal enum WebSocketHeadStatus
{
    /// <summary>So far a <c>GET /ws</c> request head, not yet complete: read more.</summary>
    Incomplete,

    /// <summary>Not a request this listener handles (another path or method, not an upgrade, anything unusual): Kestrel serves it.</summary>
    NotSignaling,

    /// <summary>A <c>GET /ws</c> head longer than the limit: 431.</summary>
    TooLarge,

    /// <summary>A WebSocket upgrade with a bad or repeated <c>Sec-WebSocket-Key</c>: 400.</summary>
    BadRequest,

    /// <summary>A WebSocket upgrade without <c>Sec-WebSocket-Version: 13</c>: 426 (RFC 6455 section 4.4).</summary>
    UnsupportedVersion,

    /// <summary>A complete, valid RFC 6455 opening handshake for <c>/ws</c>.</summary>
    Upgrade,
}
