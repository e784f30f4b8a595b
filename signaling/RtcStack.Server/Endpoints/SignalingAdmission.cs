using RtcStack.Server.Hosting;
using RtcStack.Signaling.Hub;

namespace RtcStack.Server.Endpoints;

/// <summary>
/// The checks a WebSocket upgrade on <c>/ws</c> passes before the 101, shared by the direct listener
/// (<see cref="SignalingListener"/>) and the Kestrel endpoint (<see cref="SignalingEndpoints"/>).
/// </summary>
internal static class SignalingAdmission
{
    /// <summary>The refusal status (403 origin not allowed, 503 stopping), or null when the upgrade may proceed.</summary>
    public static int? Refusal(SignalingHub hub, string? origin, string? host, IList<string> allowedOrigins, ILogger logger)
    {
        if (!OriginPolicy.IsAllowed(origin, host, allowedOrigins))
        {
            ServerLog.OriginRefused(logger, origin ?? "");
            return StatusCodes.Status403Forbidden;
        }
        return hub.IsStopping ? StatusCodes.Status503ServiceUnavailable : null;
    }
}
