using RtcStack.Signaling.Backplane;
using RtcStack.Signaling.Hub;

namespace RtcStack.Server.Endpoints;

/// <summary><c>/healthz</c> (the process runs) and <c>/readyz</c> (it can take traffic: backplane healthy, not stopping).</summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (IBackplane backplane, SignalingHub hub) =>
            hub.IsStopping ? Results.Text("stopping\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : !backplane.IsHealthy ? Results.Text("backplane unavailable\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready\n"));
    }
}
