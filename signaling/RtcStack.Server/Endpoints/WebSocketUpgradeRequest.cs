namespace RtcStack.Server.Endpoints;

/// <summary>The parts of a valid <c>GET /ws</c> opening handshake the listener needs.</summary>
/// <param name="Host">The <c>Host</c> header (for the same-origin check).</param>
/// <param name="Origin">The <c>Origin</c> header, or null (native clients).</param>
/// <param name="Key">The <c>Sec-WebSocket-Key</c> (base64 of 16 bytes, 24 characters).</param>
/// <param name="OffersSubProtocol">Whether <c>Sec-WebSocket-Protocol</c> lists <c>rtcstack.v1</c>.</param>
internal readonly record struct WebSocketUpgradeRequest(string Host, string? Origin, string Key, bool OffersSubProtocol);
