using Microsoft.Extensions.Options;
using RtcStack.Server.Hosting;
using RtcStack.Signaling;
using RtcStack.Signaling.Hub;
using RtcStack.Signaling.Protocol;

namespace RtcStack.Server.Endpoints;

/// <summary><c>GET /ws</c>: the origin check, the WebSocket upgrade (subprotocol <c>rtcstack.v1</c>), then the hub.</summary>
internal static class SignalingEndpoints
{
    public static void MapSignaling(this IEndpointRouteBuilder app)
    {
        app.Map("/ws", async (HttpContext context, SignalingHub hub, IOptions<SignalingOptions> options, ILogger<SignalingHub> logger) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync("WebSocket upgrade expected\n").ConfigureAwait(false);
                return;
            }
            if (SignalingAdmission.Refusal(hub, context.Request.Headers.Origin, context.Request.Host.Value, options.Value.AllowedOrigins, logger) is int refusal)
            {
                context.Response.StatusCode = refusal;
                return;
            }
            string? subProtocol = context.WebSockets.WebSocketRequestedProtocols.Contains(SignalingProtocol.SubProtocol) ? SignalingProtocol.SubProtocol : null;
            // No WebSocket-level keep-alive timer per socket (the protocol has its own ping/pong and the hub's sweep
            // closes silent sockets), and no RequestAborted token source: a dropped connection ends the receive anyway.
            var accept = new WebSocketAcceptContext { SubProtocol = subProtocol, KeepAliveInterval = TimeSpan.Zero };
            using System.Net.WebSockets.WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
            await hub.HandleAsync(socket, context.Connection.RemoteIpAddress, CancellationToken.None).ConfigureAwait(false);
        });
    }
}
